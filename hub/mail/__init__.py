"""E-mail through an outbox (DESIGN.md §3): a message is a row written in the business
transaction that causes it (invariant 1), sent later by the ``outbox`` job over SMTP."""
