"""Looking at a workspace without building: list, show, search, validate, and the
local preview server."""
