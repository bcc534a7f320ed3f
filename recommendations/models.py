"""The content–user–channel matching model's data (interactions, runs, line-ups) lives here."""
