// Progressive enhancement for GOV.UK Frontend components (the pages work without JavaScript).
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();
