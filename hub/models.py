"""The complete metadata: every installed package's models (Alembic, tests)."""

from hub.db import Base
from hub.wiring import import_models

import_models()
metadata = Base.metadata
