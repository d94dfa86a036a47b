"""An account's WhatsApp channel as the domains use it: its Graph address and Meta's refusals."""
