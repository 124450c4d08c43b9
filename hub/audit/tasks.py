"""The audit trail's scheduled job: seal new events and checkpoint the chain's new head."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from hub.audit.checkpoints import NO_SIGNING_KEY, checkpoint_log, seal_and_checkpoint
from hub.jobs import JobContext

log = logging.getLogger("hub.audit")


def seal_audit_events(session: Session, context: JobContext) -> int:
    """Chain every audit event written since the last run and, once that has committed, append a
    signed checkpoint of the new head to the checkpoint log (invariant 5)."""
    checkpoints = checkpoint_log(context.settings)
    sealing = seal_and_checkpoint(session, checkpoints, now=context.as_of,
                                  after_commit=context.after_commit)
    if sealing.sealed and checkpoints.key is None:
        log.warning("audit-seal: %d events sealed, no signed checkpoint written: %s",
                    sealing.sealed, NO_SIGNING_KEY)
    return sealing.sealed
