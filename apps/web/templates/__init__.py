"""Jinja templates of the review page (a package so that wheels include them)."""
