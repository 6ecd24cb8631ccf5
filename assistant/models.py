"""Domain models shared by every step of the data flow (see ../shared/SCRIPT.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SKIN_TYPES = ("dry", "oily", "combination", "normal", "sensitive")
CONCERNS = (
    "hydration",
    "oil-control",
    "acne",
    "pores",
    "brightening",
    "spots",
    "anti-aging",
    "redness",
    "barrier-repair",
    "sun-protection",
    "dark-circles",
)
CAUTIONS = ("pregnancy", "fragrance", "alcohol", "acids", "retinoid")
CONSTRAINTS = ("pregnant", "breastfeeding", "fragrance_free", "alcohol_free", "acid_free")
# a customer constraint -> the product cautions that conflict with it
CONFLICTS: dict[str, tuple[str, ...]] = {
    "pregnant": ("pregnancy", "retinoid"),
    "breastfeeding": ("pregnancy", "retinoid"),
    "fragrance_free": ("fragrance",),
    "alcohol_free": ("alcohol",),
    "acid_free": ("acids",),
}

# Chinese names of the vocabulary, for searchable text (replies use prompts/offline/*.yaml)
VOCAB_ZH = {
    "dry": "干皮",
    "oily": "油皮",
    "combination": "混合皮",
    "normal": "中性皮",
    "sensitive": "敏感肌",
    "hydration": "补水保湿",
    "oil-control": "控油",
    "acne": "痘痘闭口",
    "pores": "毛孔黑头",
    "brightening": "美白提亮暗沉",
    "spots": "色斑痘印",
    "anti-aging": "抗老细纹",
    "redness": "泛红",
    "barrier-repair": "屏障修护",
    "sun-protection": "防晒",
    "dark-circles": "黑眼圈",
    "pregnancy": "孕期慎用",
    "fragrance": "含香精",
    "alcohol": "含酒精",
    "acids": "含酸",
    "retinoid": "含视黄醇",
}

Language = Literal["zh", "en"]


class Stage(StrEnum):
    ask = "ask"
    uncover_need = "uncover_need"
    propose = "propose"
    confirm_expectation = "confirm_expectation"
    match_product = "match_product"
    escalate = "escalate"


SCRIPT_STAGES = (Stage.ask, Stage.uncover_need, Stage.propose, Stage.confirm_expectation, Stage.match_product)


class Role(StrEnum):
    customer = "customer"
    operator = "operator"


class Turn(BaseModel):
    role: Role
    text: str
    speaker: str | None = None
    time: str | None = None


class Conversation(BaseModel):
    """Oldest turn first; the last customer turn is the message to answer."""

    turns: list[Turn]
    notices: list[str] = Field(default_factory=list, description="what the parser changed, e.g. trimming")

    @property
    def last_customer_text(self) -> str:
        for turn in reversed(self.turns):
            if turn.role is Role.customer:
                return turn.text
        return ""

    def customer_text(self) -> str:
        return "\n".join(t.text for t in self.turns if t.role is Role.customer)


class Expectations(BaseModel):
    texture: str | None = Field(None, description="light 清爽 / rich 滋润")
    timeframe: str | None = None
    results: str | None = None


class Slots(BaseModel):
    """What is known about the customer; the stage is derived from it (assistant.stage)."""

    model_config = ConfigDict(validate_assignment=True)

    skin_types: list[str] = Field(default_factory=list, description=f"from {SKIN_TYPES}")
    concerns: list[str] = Field(default_factory=list, description=f"from {CONCERNS}")
    concern_words: list[str] = Field(default_factory=list, description="how the customer said it")
    budget_max: float | None = Field(None, description="CNY, upper bound")
    constraints: list[str] = Field(default_factory=list, description=f"from {CONSTRAINTS}")
    allergies: list[str] = Field(default_factory=list)
    constraints_checked: bool = Field(
        False, description="the customer has said whether pregnancy/allergies apply"
    )
    age: int | None = None
    routine: str | None = None
    expectations: Expectations = Field(default_factory=lambda: Expectations())
    tier: str | None = Field(None, description="ordinary / junior / core")
    tags: list[str] = Field(default_factory=list)
    need_confirmed: bool = False
    solution_proposed: bool = False
    solution_accepted: bool = False
    expectations_confirmed: bool = False
    escalation: str | None = Field(None, description="why the chat must be handed to after-sales")


class Intents(BaseModel):
    """What the last customer message asks for, besides the script."""

    small_talk: bool = False
    logistics: bool = False
    wants_product: bool = False
    injection: bool = False
    discount: bool = False


class Evidence(BaseModel):
    slot: str
    text: str
    turn: int | None = None


class Analysis(BaseModel):
    slots: Slots
    stage: Stage
    language: Language
    intents: Intents = Field(default_factory=Intents)
    evidence: list[Evidence] = Field(default_factory=list)
    reason: str = ""
    analyzer: str = "rules"
    overridden: bool = False


class Product(BaseModel):
    id: str
    name: str
    name_en: str | None = None
    aliases: list[str] = Field(default_factory=list)
    category: str
    price: float
    size: str | None = None
    skin_types: list[str]
    concerns: list[str]
    key_ingredients: list[str] = Field(default_factory=list)
    description: str = ""
    usage: str = ""
    cautions: list[str] = Field(default_factory=list)

    def names(self) -> list[str]:
        return [n for n in (self.name, self.name_en, *self.aliases) if n]


class Chunk(BaseModel):
    id: str
    text: str
    source: str
    title: str = ""
    heading: str = ""
    kind: Literal["product", "article", "faq"] = "article"
    product_id: str | None = None
    skin_types: list[str] = Field(default_factory=list)
    concerns: list[str] = Field(default_factory=list)
    price: float | None = None


class Hit(BaseModel):
    chunk: Chunk
    score: float
    vector_rank: int | None = None
    bm25_rank: int | None = None
    matched_terms: list[str] = Field(default_factory=list)


class Citation(BaseModel):
    id: str
    source: str
    title: str = ""
    snippet: str = ""


class Severity(StrEnum):
    hard = "hard"
    soft = "soft"


class Finding(BaseModel):
    rule: str
    severity: Severity
    text: str = Field("", description="the offending text")
    message: str
    variant: int | None = None


class ProductPick(BaseModel):
    id: str
    name: str
    price: float
    why: str
    usage: str


class Draft(BaseModel):
    stage: Stage
    reply: str
    variants: list[str]
    products: list[ProductPick] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    analysis: Analysis
    engine: str
    model: str | None = None
    notices: list[str] = Field(default_factory=list)
    latency_ms: float = 0.0
    llm_calls: int = 0

    def to_output(self) -> dict[str, object]:
        """The object `assistant draft --json` prints."""
        return {
            "stage": self.stage.value,
            "reply": self.reply,
            "variants": self.variants,
            "products": [p.id for p in self.products],
            "product_details": [p.model_dump() for p in self.products],
            "citations": [c.model_dump() for c in self.citations],
            "findings": [f.model_dump(mode="json") for f in self.findings],
            "slots": self.analysis.slots.model_dump(mode="json"),
            "intents": self.analysis.intents.model_dump(),
            "language": self.analysis.language,
            "reason": self.analysis.reason,
            "engine": self.engine,
            "model": self.model,
            "notices": self.notices,
            "latency_ms": round(self.latency_ms, 1),
        }
