"""One router per resource; each route parses, calls one service method, returns a schema."""
