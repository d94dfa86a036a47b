"""Finding customers: search-customers and a label's members, with keyset cursors."""
