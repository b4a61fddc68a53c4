"""What the simulated product says: countries, platforms, names, chat texts.

Event types, platforms and plans come from :mod:`synapse_landing.contract`
(the landing contract); the codes used in arrays are their indexes there.
Everything else is vocabulary of the simulation only. The order of every
tuple is part of the output: a weighted draw picks an index, so reordering
changes the data.
"""

from __future__ import annotations

from synapse_landing import contract

# (code, weight, calling code, utc offset hours): all four regions, null, AQ
COUNTRIES: tuple[tuple[str | None, float, str, float], ...] = (
    ("US", 20.0, "1", -5),
    ("CA", 4.0, "1", -5),
    ("GB", 7.0, "44", 0),
    ("DE", 6.0, "49", 1),
    ("FR", 5.0, "33", 1),
    ("PT", 3.0, "351", 0),
    ("ES", 4.0, "34", 1),
    ("IT", 3.0, "39", 1),
    ("NL", 2.0, "31", 1),
    ("PL", 2.0, "48", 1),
    ("SE", 1.0, "46", 1),
    ("TR", 1.5, "90", 3),
    ("RU", 1.0, "7", 3),
    ("EG", 1.0, "20", 2),
    ("AE", 1.0, "971", 4),
    ("IL", 1.0, "972", 2),
    ("ZA", 1.0, "27", 2),
    ("NG", 1.0, "234", 1),
    ("KE", 0.5, "254", 3),
    ("BR", 6.0, "55", -3),
    ("MX", 4.0, "52", -6),
    ("AR", 2.0, "54", -3),
    ("CO", 2.0, "57", -5),
    ("CL", 1.0, "56", -4),
    ("IN", 7.0, "91", 5.5),
    ("JP", 4.0, "81", 9),
    ("KR", 2.0, "82", 9),
    ("CN", 1.0, "86", 8),
    ("SG", 1.0, "65", 8),
    ("ID", 2.0, "62", 7),
    ("PH", 1.0, "63", 8),
    ("AU", 3.0, "61", 10),
    ("NZ", 0.5, "64", 12),
    (None, 3.0, "1", 0),
    ("AQ", 0.3, "672", 0),
)
PLATFORMS = contract.PLATFORMS
PLATFORM_WEIGHTS = (0.45, 0.3, 0.25)
APP_VERSIONS = ("3.0.2", "3.1.0", "3.1.4", "3.2.0", "3.2.1", "3.3.0")
APP_VERSION_RELEASES = (-1.0, 0.15, 0.35, 0.55, 0.75, 0.9)  # window fraction
FEATURES = (
    "summarize",
    "translate",
    "rewrite",
    "code_review",
    "image_generation",
    "web_search",
    "file_upload",
)
FEATURE_WEIGHTS = (0.25, 0.18, 0.15, 0.1, 0.12, 0.12, 0.08)
PAGES = ("/chat", "/history", "/settings", "/pricing", "/explore", "/help")
PAGE_WEIGHTS = (0.5, 0.2, 0.08, 0.07, 0.1, 0.05)
ERROR_CODES = ("E_NETWORK", "E_TIMEOUT", "E_RATE_LIMITED", "E_RENDER", "E_AUTH")
# middle-of-session event types and their weights
# event type codes: indexes into contract.EVENT_TYPES (the payload text)
EVENT_TYPE_NAMES = contract.EVENT_TYPES
ET_START = EVENT_TYPE_NAMES.index("session_start")
ET_END = EVENT_TYPE_NAMES.index("session_end")
ET_MESSAGE = EVENT_TYPE_NAMES.index("message_sent")
ET_FEATURE = EVENT_TYPE_NAMES.index("feature_used")
ET_PAGE = EVENT_TYPE_NAMES.index("page_view")
ET_ERROR = EVENT_TYPE_NAMES.index("error")
ACTIVITY_CODES = tuple(
    EVENT_TYPE_NAMES.index(name) for name in contract.ACTIVITY_EVENT_TYPES
)
MID_TYPES = (ET_MESSAGE, ET_FEATURE, ET_PAGE, ET_ERROR)
MID_WEIGHTS = (0.42, 0.2, 0.35, 0.03)
# digits of the occurred_at fraction, 0..6 (JavaScript clients send 3)
DIGIT_WEIGHTS = (0.08, 0.03, 0.03, 0.55, 0.03, 0.03, 0.25)
# non-Z offsets for offset_timestamp (minutes); includes +00:00 and the +14:00 edge
OFFSETS_MIN = (60, 120, -300, -240, 330, 480, 540, -180, 600, 345, -570, 840, 0)
PLANS = contract.PLANS
PLAN_AMOUNT = {"plus": 1000, "pro": 2000}
CURRENCIES = ("USD", "EUR", "GBP", "BRL")
CURRENCY_WEIGHTS = (0.55, 0.35, 0.06, 0.04)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

FIRST_NAMES = (
    "Ana", "João", "Maria", "Pedro", "Sofia", "Miguel", "Emma", "Liam", "Olivia",
    "Noah", "Ava", "Lucas", "Mia", "Mateo", "Chloé", "Léa", "Hugo", "Zoë",
    "Søren", "Freja", "Łukasz", "Zofia", "Hannah", "Jonas", "Aisha", "Omar",
    "Fatima", "Yusuf", "Priya", "Arjun", "Ananya", "Wei", "Mei", "Hiroshi",
    "Yuki", "Min-jun", "Seo-yeon", "Carlos", "Valentina", "Camila", "Diego",
    "Isabela", "Thabo", "Amara", "Chinedu", "Ngozi", "Olga", "Dmitri", "Elif",
    "Mehmet", "Noa", "Daniel", "Grace", "Jack", "Charlotte", "James", "Isla",
    "Ethan", "Renée", "José",
)  # fmt: skip
LAST_NAMES = (
    "Silva", "Santos", "Ferreira", "Costa", "Oliveira", "Smith", "Johnson",
    "Brown", "Garcia", "Martínez", "Rodríguez", "López", "Müller", "Schmidt",
    "Schneider", "Dubois", "Moreau", "Rossi", "Bianchi", "Kowalski", "Nowak",
    "Jensen", "Nielsen", "Andersson", "Johansson", "Öztürk", "Y\u0131lmaz", "Haddad",
    "Cohen", "Levi", "Okafor", "Mensah", "Naidoo", "Patel", "Sharma", "Gupta",
    "Wang", "Li", "Zhang", "Tanaka", "Sato", "Kim", "Park", "Nguyen", "Santoso",
    "Reyes", "O'Brien", "MacDonald", "Ivanova", "Petrov", "van der Berg",
    "de la Cruz",
)  # fmt: skip
TOPICS = ("budget", "onboarding", "quarterly report", "marketing plan", "thesis")
TASKS = (
    "export my chat history",
    "change my password",
    "share a conversation",
    "cancel my plan",
    "upload a PDF",
)
LANGUAGES = ("Portuguese", "German", "Japanese", "Spanish", "Hindi")
PAIRS = (("Python", "Rust"), ("TCP", "UDP"), ("stocks", "bonds"), ("SQL", "NoSQL"))
USER_TEMPLATES = (
    "Can you summarize this article for me?",
    "Help me write a polite email to {other} about the {topic} deadline.",
    "Hi, I'm {me}. How do I {task}?",
    "Translate 'see you tomorrow' into {lang}.",
    "What is the difference between {a} and {b}?",
    "Draft a short birthday message for {other}.",
    "Explain {topic} like I'm five.",
    "My name is {me}, please call me back at {phone}.",
    "Give me three ideas for a {topic} project.",
    'Fix the grammar: "me and {other} goes to the office on monday"',
)
ASSISTANT_TEMPLATES = (
    "Sure! Here is a concise summary in three bullet points.",
    "Of course, {me_first}. Here is a draft you can adapt.",
    "Here are three ideas you could try.",
    "In short: {a} favours control, {b} favours convenience.",
    "Done. I corrected the grammar and kept your tone.",
)
ASSISTANT_ERROR_TEMPLATES = (
    "Sorry, something went wrong while generating a reply. Please try again.",
    "The request timed out.",
)
ANON_NAME = "Sam"

COUNTRY_CODES: tuple[str | None, ...] = tuple(c[0] for c in COUNTRIES)
COUNTRY_WEIGHTS: tuple[float, ...] = tuple(c[1] for c in COUNTRIES)
COUNTRY_CALLING_CODES: tuple[str, ...] = tuple(c[2] for c in COUNTRIES)
COUNTRY_UTC_OFFSETS: tuple[float, ...] = tuple(c[3] for c in COUNTRIES)
ROLES = ("user", "assistant")  # message role codes 0 and 1
MESSAGE_STATUSES = (None, "ok", "error")  # message status codes 0, 1, 2
PROFILE_EDIT_KINDS = ("email", "country", "phone", "marketing", "marketing")
