"""API clients of the generic intake (bridges, scripts): keys that fix the channel, with a
request rate and a daily photo-byte quota per key."""
