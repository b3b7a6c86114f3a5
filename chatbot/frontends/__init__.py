"""What a patient uses: the chat, the kiosk, and how answers are drawn."""
