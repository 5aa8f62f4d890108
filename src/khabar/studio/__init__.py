"""Label Studio: the local server, the API client, push, pull and adjudication."""
