"""Carrying out each right against the customer register: one module per right."""
