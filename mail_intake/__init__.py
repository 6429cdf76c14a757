"""Mail intake: IMAP and Maildir sources, MIME parsing, threading and the SMTP outbox."""
