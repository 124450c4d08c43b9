"""The only place consent state changes (DESIGN.md §1): each service takes the acting person,
fetches through the access policy first, validates with :mod:`consent.rules`, writes its audit
event in the same transaction, flushes and never commits."""
