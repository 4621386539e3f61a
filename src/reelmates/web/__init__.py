"""The web edge: ``create_app(settings)`` (in :mod:`reelmates.web.app`) builds everything a request
needs; routes translate HTTP to service calls and render."""
