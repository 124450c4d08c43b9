"""Imports every model module so that the metadata is complete (Alembic, tests)."""

from hub.agencies import models as agencies  # noqa: F401
from hub.audit import models as audit  # noqa: F401
from hub.cases import models as cases  # noqa: F401
from hub.crypto import models as crypto  # noqa: F401
from hub.db import Base
from hub.sessions import models as sessions  # noqa: F401
from hub.signin import models as signin  # noqa: F401

metadata = Base.metadata
