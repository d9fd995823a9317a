"""Stage 6, preservation: sidecars, fixity manifests, the events log, BagIt bags,
Broadcast-WAV masters and the archive checks."""
