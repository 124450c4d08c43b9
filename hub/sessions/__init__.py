"""Browser sessions kept on the server: a random token in the cookie, its hash in the database."""
