"""Live sessions of a workshop edition: its programme, attendance and recordings."""
