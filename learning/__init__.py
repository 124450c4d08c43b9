"""Learning from incidents and reviews (DOMAIN.md §9) and the partnership's evidence (§11): the
rules reviews are checked against and the small-number suppression the partnership report applies."""
