"""Cases and their member agencies: the need-to-know boundary of everything in the hub."""
