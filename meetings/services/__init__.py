"""The meetings package's services: what its API, pages and jobs call (STYLE.md: views stay thin)."""
