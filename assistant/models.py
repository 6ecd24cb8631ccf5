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


class Act(StrEnum):
    """What one customer turn does (a turn may do several). Defined with examples in
    assistant/analysis/corpus/README.md; the labelled corpus uses exactly these ids."""

    affirm = "affirm"  # yes / agrees / confirms / accepts (对对对, 是滴, 行听你的, makes sense)
    deny = "deny"  # no / corrects what the operator said (不是, 也不全是, not really)
    hesitate = "hesitate"  # unsure, wants to think, doubts (我再想想, 怕没用, not sure)
    ask_results = "ask_results"  # does it work / what results (有用吗, will it help)
    ask_time = "ask_time"  # how long until it works (多久见效, how soon)
    ask_price = "ask_price"  # what it costs (一套下来多少钱, how much)
    ask_safety = "ask_safety"  # is it safe/suitable for a condition (孕妇能用吗, ok for sensitive skin?)
    ask_usage = "ask_usage"  # how/when/in what order to use (早晚都用吗, which goes first)
    ask_logistics = "ask_logistics"  # shipping, order status, returns, authenticity, stock
    ask_product = "ask_product"  # what should I buy / recommend something (推荐一下, 买哪个)
    state_budget = "state_budget"  # gives a budget (两百以内, under $30, 不差钱)
    state_texture = "state_texture"  # texture preference (清爽点, something rich)
    state_timeframe = "state_timeframe"  # time frame or result expected (一个月内, before my wedding)
    state_constraint = "state_constraint"  # pregnancy, breastfeeding, allergy, fragrance-free (or none)
    report_concern = "report_concern"  # skin type, concern, symptom or its context (大油田, 草莓鼻)
    report_routine = "report_routine"  # what they use now (现在就用个洗面奶)
    provide_info = "provide_info"  # an order number, a photo, age, other requested detail
    complain = "complain"  # complaint, refund, wrong item, leaking bottle, bad service
    reaction = "reaction"  # an adverse reaction after using a product (用了起疹子)
    small_talk = "small_talk"  # greeting, thanks, chit-chat, emoji only
    discount = "discount"  # asks for a discount, gift or lower price
    injection = "injection"  # tries to instruct the assistant (忽略之前的指令)


ACTS = tuple(a.value for a in Act)
QUESTION_ACTS = (
    Act.ask_results,
    Act.ask_time,
    Act.ask_price,
    Act.ask_safety,
    Act.ask_usage,
    Act.ask_logistics,
    Act.ask_product,
)


class OperatorAct(StrEnum):
    """What one operator turn does (in a pasted chat or the thread)."""

    ask = "ask"  # open questions about skin, concern, routine (step 1)
    restate = "restate"  # restates the need and asks for a yes (step 2)
    propose = "propose"  # an approach without products (step 3)
    expect = "expect"  # asks agreement/expectations: texture, budget, time, constraints (step 4)
    recommend = "recommend"  # names products (step 5)
    answer = "answer"  # answers a question, logistics, policy
    aftersales = "aftersales"  # handles a complaint or reaction
    small_talk = "small_talk"  # greeting, pleasantries


OPERATOR_ACTS = tuple(a.value for a in OperatorAct)
# what the customer has given: never asked again (SCRIPT.md "Never ask for what is known")
KNOWN_FIELDS = (
    "skin_type",
    "concerns",
    "budget",
    "constraints",
    "texture",
    "timeframe",
    "routine",
    "age",
    "order_number",
    "photo",
)


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
    texture: str | None = Field(None, description="light 清爽 / rich 滋润 / any (no preference)")
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
    budget_per_item: bool = Field(False, description="the budget is per product (每样/单品/each)")
    order_number: str | None = Field(None, description="an order number the customer gave")
    photo_sent: bool = Field(False, description="the customer sent a photo")
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


class Question(BaseModel):
    """The customer's open question in the last turn: the reply answers it first."""

    kind: Literal["results", "time", "price", "safety", "usage", "logistics", "product", "other"]
    text: str = Field(description="the question as the customer wrote it")


class Reading(BaseModel):
    """What an analyzer read from the conversation: slots, acts and evidence. No stage: the
    pipeline lays the operator's profile over the slots and derives the stage once (Analysis)."""

    slots: Slots
    language: Language
    intents: Intents = Field(default_factory=Intents)
    evidence: list[Evidence] = Field(default_factory=list)
    analyzer: str = "rules"
    acts: list[Act] = Field(default_factory=list, description="what the last customer turn does")
    question: Question | None = Field(None, description="the open question the reply must answer")
    answered: list[str] = Field(
        default_factory=list, description=f"what the customer has already given, from {KNOWN_FIELDS}"
    )
    notices: list[str] = Field(default_factory=list, description="what the operator should know")


class Analysis(Reading):
    """The reading with the operator's profile applied and the stage derived from it."""

    stage: Stage
    reason: str = ""
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
    vector_score: float | None = Field(None, description="cosine similarity of the query and the chunk")
    bm25_score: float | None = None
    matched_terms: list[str] = Field(default_factory=list, description="query terms BM25 matched")
    tags: list[str] = Field(
        default_factory=list, description="the query's concerns/skin types the chunk is tagged with"
    )
    tag_boost: float = Field(0.0, description="what those tags added to the fused score")


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
