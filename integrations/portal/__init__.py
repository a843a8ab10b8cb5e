"""The web portal: a server-rendered reporting page that works without JavaScript."""

CHANNEL = "portal"
