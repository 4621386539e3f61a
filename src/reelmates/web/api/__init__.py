"""The JSON API under ``/api``: the same use cases as the pages."""
