"""Adapters to the media servers friends keep their films on (Jellyfin, Emby, Plex) and to the
services they ask for missing films with (Radarr, Jellyseerr/Overseerr): HTTP clients that turn
each server's answers into the plain records of :mod:`reelmates.media.base`. No database here;
``services/`` syncs what they read into the store."""
