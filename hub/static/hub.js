// Progressive enhancement for GOV.UK Frontend components.
import { initAll } from "./govuk/govuk-frontend.min.js";
initAll();
