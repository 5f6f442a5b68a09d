"""Everything that runs beside student code: the fork server, the child, the cell runner and the wire format."""
