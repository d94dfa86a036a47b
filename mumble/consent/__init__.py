"""Marketing consent: the ledger on the customer, and the sources that move it."""
