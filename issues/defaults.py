"""The categories and service areas a new forum starts with. Convenors can change them."""

SAFETY_CATEGORY = "Personal safety"

CATEGORIES = [
    "Caseloads and workload",
    "IT and recording systems",
    SAFETY_CATEGORY,
    "Supervision",
    "Equipment and office",
    "Admin and business support",
    "Wellbeing and emotional support",
    "Panels and sign-off",
    "Training and development",
    "Recruitment and retention",
]

SERVICE_AREAS = [
    "Children and families",
    "Adults",
    "Mental health",
    "Leaving care",
    "Disabled children",
    "Hospital discharge",
]
