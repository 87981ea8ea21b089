"""Statistics on metric rows: bootstrap intervals and paired significance tests, and distributed sums."""
