"""Jinja2 templates for replies and the loader that renders them."""
