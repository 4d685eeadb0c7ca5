"""Option lists shared by the resident's and the staff forms."""

from portal.rights import COMPLAINT_ABOUT, RIGHT_CHOICES, RIGHT_HINTS

CONTACT_CHOICES = [
    ("email", "Email"),
    ("sms", "Text message"),
    ("both", "Email and text message"),
    ("post", "Post"),
]

__all__ = ["COMPLAINT_ABOUT", "CONTACT_CHOICES", "RIGHT_CHOICES", "RIGHT_HINTS"]
