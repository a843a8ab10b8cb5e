"""E-mail (the dttm@ mailbox): IMAP polling and saved .eml files in, acknowledgements out."""

CHANNEL = "email"
