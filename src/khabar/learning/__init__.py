"""Training the CRF on reviewed and gold documents, and measuring it."""
