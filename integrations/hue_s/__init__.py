"""Hue-S, Huế's smart-city app: signed report events in, signed status callbacks out."""

CHANNEL = "hue-s"
