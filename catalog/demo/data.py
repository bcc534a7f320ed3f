"""The demo catalogue as data: vocabulary, people, novels, dramas, tenants and staff.

Everything here is fictional except the owner's name. Synopses are assembled per language from
trope sentences (premise + turns + source + format) so that thirty dramas read differently without
thirty hand-written essays per language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- Controlled vocabulary ---------------------------------------------------------------------

GENRES: tuple[tuple[str, str], ...] = (
    ("romance", "Romance"),
    ("urban", "Urban"),
    ("historical", "Historical (costume)"),
    ("fantasy", "Fantasy"),
    ("family", "Family"),
    ("comedy", "Comedy"),
    ("thriller", "Thriller & suspense"),
    ("action", "Action"),
    ("wuxia", "Wuxia (martial arts)"),
)

TROPES: tuple[tuple[str, str, str], ...] = (
    ("time-travel", "Time travel", "The lead is thrown into another era and must live by its rules."),
    ("rebirth", "Rebirth", "The lead dies and wakes up years earlier, remembering everything."),
    ("counterattack", "Counterattack", "The underdog, humiliated by everyone, rises and turns the tables."),
    ("revenge", "Revenge", "A betrayal repaid in kind, one planned step at a time."),
    ("hidden-identity", "Hidden identity", "A powerful lead hides a true name, fortune or rank until the reveal."),
    ("ceo-romance", "CEO romance", "A cold, rich chief executive falls for an ordinary (or so it seems) lead."),
    ("contract-marriage", "Contract marriage", "A marriage of convenience on paper that turns real."),
    ("palace-intrigue", "Palace intrigue", "Schemes, factions and favour inside an imperial court."),
)

# --- Synopsis sentences per trope and language -----------------------------------------------
# PREMISE sentences name the lead ({lead}) and love interest ({partner}) where the language's
# templates use names (Chinese and English); the others read impersonally. TURN sentences never
# name anyone, so they combine freely.

PREMISE: dict[str, dict[str, str]] = {
    "rebirth": {
        "zh-Hans": "被至亲背叛、含恨而终的{lead}，重生回到多年以前，带着前世的全部记忆，誓要讨回一切。",
        "zh-Hant-HK": "被至親背叛、含恨而終的{lead}，重生回到多年以前，帶着前世的全部記憶，誓要討回一切。",
        "en": "Betrayed and left to die, {lead} wakes up years earlier with every memory intact — and a list of debts to collect.",
        "ko": "배신당해 억울하게 죽은 주인공이 모든 기억을 간직한 채 몇 년 전으로 돌아온다.",
        "th": "หลังถูกคนใกล้ชิดหักหลังจนตาย ตัวเอกได้ย้อนกลับมาเกิดใหม่ในอดีตพร้อมความทรงจำทั้งหมด",
        "ar": "بعد خيانة قاتلة من أقرب الناس، تبدأ حياة ثانية قبل سنوات من المأساة، ومعها كل الذكريات.",
    },
    "revenge": {
        "zh-Hans": "{lead}隐姓埋名归来，步步为营，要让每一个背叛者付出代价。",
        "zh-Hant-HK": "{lead}隱姓埋名歸來，步步為營，要每一個背叛者付出代價。",
        "en": "{lead} returns under a new name to repay each betrayal in kind, one carefully laid trap at a time.",
        "ko": "이름을 바꾸고 돌아온 주인공은 배신자들에게 하나씩 빚을 갚아 주기 시작한다.",
        "th": "ตัวเอกกลับมาในนามใหม่ เพื่อชำระแค้นกับผู้ทรยศทีละคน",
        "ar": "عودة باسم جديد وخطة محكمة: كل خائن سيدفع الثمن، واحدًا تلو الآخر.",
    },
    "time-travel": {
        "zh-Hans": "一场意外，{lead}穿越千年，落入一步踏错便万劫不复的深宫。",
        "zh-Hant-HK": "一場意外，{lead}穿越千年，跌入一步行差踏錯便萬劫不復的深宮。",
        "en": "A freak accident throws {lead} a thousand years back in time, into a palace where one wrong word can be fatal.",
        "ko": "뜻밖의 사고로 천 년 전으로 떨어진 주인공은 말 한마디가 목숨을 좌우하는 궁에서 살아남아야 한다.",
        "th": "อุบัติเหตุประหลาดพาตัวเอกย้อนเวลาไปพันปี สู่วังหลวงที่พูดผิดคำเดียวอาจถึงตาย",
        "ar": "حادث غريب يفتح بابًا عبر الزمن إلى ما قبل ألف عام، إلى قصر قد تكلّف فيه كلمة واحدة حياةً كاملة.",
    },
    "counterattack": {
        "zh-Hans": "被家族和对手视为废物的{lead}，把每一次羞辱都变成向上的台阶。",
        "zh-Hant-HK": "被家族同對手當成廢物的{lead}，將每一次羞辱都變成向上爬的階梯。",
        "en": "Mocked as a nobody by family and rivals alike, {lead} turns every humiliation into the next step up.",
        "ko": "가족과 라이벌 모두에게 무시당하던 주인공이 모든 굴욕을 반격의 발판으로 삼는다.",
        "th": "ถูกครอบครัวและคู่แข่งดูถูกว่าไร้ค่า ตัวเอกจึงเปลี่ยนทุกความอับอายให้เป็นบันไดสู่ความสำเร็จ",
        "ar": "من كان يُعامَل كلا شيء في عيون العائلة والخصوم، يحوّل كل إهانة إلى درجة نحو القمة.",
    },
    "hidden-identity": {
        "zh-Hans": "人人都看不起{lead}，却无人知晓其隐藏多年的身份、财富与实力。",
        "zh-Hant-HK": "人人都睇不起{lead}，卻無人知道其隱藏多年的身份、財富與實力。",
        "en": "Everyone looks down on {lead} — no one suspects the name, fortune and power kept hidden for years.",
        "ko": "모두가 얕보던 주인공에게는 수년간 숨겨 온 정체와 재력, 그리고 힘이 있다.",
        "th": "ทุกคนดูแคลนตัวเอก โดยไม่มีใครรู้ถึงตัวตน ความมั่งคั่ง และอำนาจที่ซ่อนไว้มานานหลายปี",
        "ar": "خلف مظهر متواضع تختبئ منذ سنوات هوية حقيقية وثروة وقوة لا يتخيلها أحد.",
    },
    "ceo-romance": {
        "zh-Hans": "一次意外，{lead}撞上了全城最冷酷的总裁{partner}，从此再也逃不掉。",
        "zh-Hant-HK": "一次意外，{lead}撞上全城最冷酷的總裁{partner}，從此再也走不掉。",
        "en": "One chance night puts {lead} in the path of {partner}, the coldest CEO in the city, who will not let go.",
        "ko": "우연한 하룻밤, 도시에서 가장 차가운 대표와 엮이게 되고 그는 절대 놓아주지 않는다.",
        "th": "คืนเดียวที่ไม่คาดฝันทำให้ได้พบกับซีอีโอที่เย็นชาที่สุดในเมือง และเขาไม่ยอมปล่อยมือ",
        "ar": "ليلة واحدة غير متوقعة تجمع القدر بأكثر الرؤساء التنفيذيين برودًا في المدينة، وهو لا ينوي الرحيل.",
    },
    "contract-marriage": {
        "zh-Hans": "{lead}与{partner}签下一年婚约：不谈感情，不问过去，没有退路。",
        "zh-Hant-HK": "{lead}與{partner}簽下一年婚約：不談感情，不問過去，沒有退路。",
        "en": "{lead} signs a one-year marriage contract with {partner}: no feelings, no questions, no way out.",
        "ko": "감정도, 질문도, 출구도 없는 1년짜리 계약 결혼이 시작된다.",
        "th": "สัญญาแต่งงานหนึ่งปีเริ่มต้นขึ้น ไม่มีความรัก ไม่มีคำถาม และไม่มีทางถอย",
        "ar": "عقد زواج لمدة عام واحد: بلا مشاعر، بلا أسئلة، وبلا طريق للعودة.",
    },
    "palace-intrigue": {
        "zh-Hans": "宫墙之内，{lead}渐渐明白：每一个笑容背后都藏着刀，每一份恩宠都有代价。",
        "zh-Hant-HK": "宮牆之內，{lead}漸漸明白：每個笑容背後都藏着刀，每份恩寵都有代價。",
        "en": "Inside the palace walls, {lead} learns that every smile hides a blade and every favour has a price.",
        "ko": "궁궐 안에서는 모든 미소 뒤에 칼이 숨어 있고, 모든 총애에는 대가가 따른다.",
        "th": "ภายในกำแพงวัง ทุกรอยยิ้มซ่อนคมมีด และทุกความโปรดปรานล้วนมีราคา",
        "ar": "داخل أسوار القصر، خلف كل ابتسامة خنجر، ولكل حظوة ثمن.",
    },
}

TURN: dict[str, dict[str, str]] = {
    "rebirth": {
        "zh-Hans": "这一世，每一步都踩在已知的未来之上。",
        "zh-Hant-HK": "這一世，每一步都踏在已知的未來之上。",
        "en": "This time, every choice is made with the future already known.",
        "ko": "이번 생에서는 이미 알고 있는 미래 위에서 한 걸음씩 나아간다.",
        "th": "ชาตินี้ ทุกก้าวเดินล้วนอยู่บนอนาคตที่รู้อยู่แล้ว",
        "ar": "هذه المرة، كل خطوة تُتخذ والمستقبل معروف سلفًا.",
    },
    "revenge": {
        "zh-Hans": "然而真相越近，正义与复仇的界线就越模糊。",
        "zh-Hant-HK": "然而真相越近，正義與復仇的界線就越模糊。",
        "en": "But the closer the truth comes, the harder it is to tell justice from vengeance.",
        "ko": "하지만 진실에 가까워질수록 정의와 복수의 경계는 흐려진다.",
        "th": "แต่ยิ่งใกล้ความจริง เส้นแบ่งระหว่างความยุติธรรมกับการแก้แค้นก็ยิ่งเลือนราง",
        "ar": "لكن كلما اقتربت الحقيقة، صار الخط بين العدالة والانتقام أكثر ضبابية.",
    },
    "time-travel": {
        "zh-Hans": "现代智慧碰撞古代规矩，历史开始悄然改写。",
        "zh-Hant-HK": "現代智慧碰撞古代規矩，歷史開始悄悄改寫。",
        "en": "Modern wit meets ancient rules, and history starts to bend.",
        "ko": "현대의 지혜가 옛 법도와 부딪히며 역사가 조금씩 바뀌기 시작한다.",
        "th": "ไหวพริบยุคใหม่ปะทะกฎเกณฑ์โบราณ และประวัติศาสตร์เริ่มเปลี่ยนไป",
        "ar": "ذكاء العصر الحديث يصطدم بقواعد الماضي، والتاريخ يبدأ في التغيّر.",
    },
    "counterattack": {
        "zh-Hans": "当初笑得最大声的人，终将明白自己小看了谁。",
        "zh-Hant-HK": "當初笑得最大聲的人，終於會明白自己睇小了誰。",
        "en": "Those who laughed loudest are about to learn whom they underestimated.",
        "ko": "가장 크게 비웃던 이들은 곧 자신들이 누구를 얕봤는지 알게 된다.",
        "th": "คนที่หัวเราะเยาะดังที่สุดกำลังจะรู้ว่าตนประเมินใครต่ำเกินไป",
        "ar": "من ضحكوا بصوت أعلى سيكتشفون قريبًا بمن استهانوا.",
    },
    "hidden-identity": {
        "zh-Hans": "当面具终于揭下，整座城市为之震动。",
        "zh-Hant-HK": "當面具終於揭開，成個城市為之震動。",
        "en": "When the mask finally slips, the whole city takes notice.",
        "ko": "마침내 가면이 벗겨지는 순간, 온 도시가 술렁인다.",
        "th": "เมื่อหน้ากากหลุดออก ทั้งเมืองต้องตะลึง",
        "ar": "وحين يسقط القناع أخيرًا، تهتز المدينة بأكملها.",
    },
    "ceo-romance": {
        "zh-Hans": "权势、骄傲与一段往事，横亘在两颗倔强的心之间。",
        "zh-Hant-HK": "權勢、驕傲與一段往事，橫亘在兩顆倔強的心之間。",
        "en": "Power, pride and a secret from the past stand between two stubborn hearts.",
        "ko": "권력과 자존심, 그리고 과거의 비밀이 두 고집스러운 마음 사이를 가로막는다.",
        "th": "อำนาจ ศักดิ์ศรี และความลับในอดีต ขวางกั้นระหว่างสองหัวใจที่ดื้อรั้น",
        "ar": "السلطة والكبرياء وسرّ من الماضي تقف بين قلبين عنيدين.",
    },
    "contract-marriage": {
        "zh-Hans": "一场交易，渐渐变成两人都输不起的真心。",
        "zh-Hant-HK": "一場交易，慢慢變成兩人都輸不起的真心。",
        "en": "What begins as a deal slowly becomes the one thing neither can afford to lose.",
        "ko": "거래로 시작된 관계는 어느새 둘 다 잃을 수 없는 진심이 된다.",
        "th": "สิ่งที่เริ่มจากข้อตกลง ค่อยๆ กลายเป็นสิ่งที่ทั้งคู่ไม่อาจเสียไป",
        "ar": "ما بدأ كصفقة يتحول شيئًا فشيئًا إلى ما لا يحتمل أيٌّ منهما خسارته.",
    },
    "palace-intrigue": {
        "zh-Hans": "盟友一夜倒戈，连皇位本身也岌岌可危。",
        "zh-Hant-HK": "盟友一夜倒戈，連皇位本身也岌岌可危。",
        "en": "Alliances shift overnight, and the throne itself is at stake.",
        "ko": "하룻밤 사이 동맹이 뒤바뀌고, 왕좌마저 위태로워진다.",
        "th": "พันธมิตรพลิกข้างในชั่วข้ามคืน และบัลลังก์เองก็สั่นคลอน",
        "ar": "التحالفات تتبدل بين ليلة وضحاها، والعرش نفسه في خطر.",
    },
}

SOURCE_LINE: dict[str, str] = {
    "zh-Hans": "改编自{author}的小说《{source}》。",
    "zh-Hant-HK": "改編自{author}的小說《{source}》。",
    "en": "Adapted from the Chinese novel 《{source}》 by {author}.",
    "ko": "중국 인기 소설 《{source}》 원작.",
    "th": "สร้างจากนวนิยายจีนเรื่อง 《{source}》",
    "ar": "مقتبس عن الرواية الصينية «{source}».",
}

FORMAT_LINE: dict[str, dict[str, str]] = {
    "vertical": {
        "zh-Hans": "竖屏微短剧，共{episodes}集，每集一到三分钟。",
        "zh-Hant-HK": "直屏微短劇，共{episodes}集，每集一至三分鐘。",
        "en": "A vertical micro-drama in {episodes} episodes of one to three minutes, made for the phone screen.",
        "ko": "회당 1~3분, 총 {episodes}부작 세로형 숏폼 드라마.",
        "th": "ซีรีส์สั้นแนวตั้ง {episodes} ตอน ตอนละหนึ่งถึงสามนาที",
        "ar": "دراما قصيرة عمودية من {episodes} حلقة، مدة كل منها من دقيقة إلى ثلاث دقائق.",
    },
    "horizontal": {
        "zh-Hans": "横屏剧集，共{episodes}集，每集约四十五分钟。",
        "zh-Hant-HK": "橫屏劇集，共{episodes}集，每集約四十五分鐘。",
        "en": "A series in {episodes} episodes of about forty-five minutes.",
        "ko": "회당 약 45분, 총 {episodes}부작 시리즈.",
        "th": "ซีรีส์ {episodes} ตอน ตอนละประมาณสี่สิบห้านาที",
        "ar": "مسلسل من {episodes} حلقة، مدة كل منها نحو خمس وأربعين دقيقة.",
    },
}

# Cantonese (yue) localisations are written in Traditional characters, like zh-Hant-HK.
TEMPLATE_LANGUAGE: dict[str, str] = {"yue": "zh-Hant-HK"}

# Characters' names are written in Simplified; these are the Traditional forms used in HK texts.
SIMPLIFIED_TO_TRADITIONAL = str.maketrans(
    # Only the characters of the demo's names and novels: enough for the demo, not a converter.
    "顾陆苏叶乔韩陈许静萧赵云厉温凤宁骁辞屿满栖问彻诺兰黄归来闪总娇战临当强谋医丝宫剑缘烟书灯旧时鹤沧",
    "顧陸蘇葉喬韓陳許靜蕭趙雲厲溫鳳寧驍辭嶼滿棲問徹諾蘭黃歸來閃總嬌戰臨當強謀醫絲宮劍緣煙書燈舊時鶴滄",
)

# --- People and novels ---------------------------------------------------------------------------

# (name as credited, Latin name)
DIRECTORS = (("陈卓", "Chen Zhuo"), ("王一帆", "Wang Yifan"), ("李默然", "Li Moran"), ("周慧", "Zhou Hui"))
WRITERS = (("孙晓雨", "Sun Xiaoyu"), ("何静", "He Jing"), ("赵一鸣", "Zhao Yiming"), ("杜若", "Du Ruo"))
PRODUCERS = (("刘洋", "Liu Yang"), ("黄诗琪", "Huang Shiqi"), ("马骏", "Ma Jun"))
ACTRESSES = (
    ("林可欣", "Lin Kexin"), ("苏暖", "Su Nuan"), ("许安然", "Xu Anran"), ("唐诗雨", "Tang Shiyu"),
    ("白若溪", "Bai Ruoxi"), ("宋佳怡", "Song Jiayi"), ("陈嘉敏", "Chan Ka-man"),
)  # fmt: skip
ACTORS = (
    ("江川", "Jiang Chuan"), ("陆子昂", "Lu Zi'ang"), ("韩冬", "Han Dong"), ("沈逸", "Shen Yi"),
    ("程野", "Cheng Ye"), ("黄子轩", "Wong Tsz-hin"), ("罗天宇", "Luo Tianyu"),
)  # fmt: skip


@dataclass(frozen=True)
class DemoSourceWork:
    key: str
    title: str
    author: str
    kind: str = "web_novel"
    publisher: str = ""


SOURCE_WORKS: tuple[DemoSourceWork, ...] = (
    DemoSourceWork("heiress", "重生之千金归来", "桃花扇底", publisher="咪咕阅读"),
    DemoSourceWork("flash-marriage", "闪婚总裁的小娇妻", "北城以北", publisher="咪咕阅读"),
    DemoSourceWork("war-god", "战神令", "孤城烟雨"),
    DemoSourceWork("phoenix", "凤临天下", "云中书", kind="novel", publisher="长河文艺出版社"),
    DemoSourceWork("son-in-law", "女婿当自强", "南山有鹿"),
    DemoSourceWork("rightful-daughter", "嫡女谋", "青灯照壁", publisher="咪咕阅读"),
    DemoSourceWork("nineteen-ninety-eight", "重生九八", "旧时光"),
    DemoSourceWork("divine-doctor", "神医出山", "白鹤归"),
    DemoSourceWork("real-heiress", "真假千金", "糖小甜", publisher="咪咕阅读"),
    DemoSourceWork("silk-road", "丝路商魂", "敦煌月", kind="novel", publisher="长河文艺出版社"),
    DemoSourceWork("physician", "宫廷御医", "杏林客", kind="novel"),
    DemoSourceWork("sword-heart", "剑心", "沧浪客", kind="novel"),
    DemoSourceWork("night-market", "夜市情缘", "小桃酥", kind="comic"),
)

# --- Dramas ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Title:
    """A localised title in its three forms: unlimited, ≤ 60 (medium) and ≤ 19 (short) characters."""

    full: str
    short: str = ""
    medium: str = ""

    @property
    def medium_form(self) -> str:
        if self.medium:
            return self.medium
        return self.full if len(self.full) <= 60 else ""

    @property
    def short_form(self) -> str:
        if self.short:
            return self.short
        return self.full if len(self.full) <= 19 else ""


def T(full: str, short: str = "", medium: str = "") -> Title:
    return Title(full=full, short=short, medium=medium)


@dataclass(frozen=True)
class DemoDrama:
    key: str
    titles: dict[str, Title]  # the first entry is the original language
    tropes: tuple[str, ...]
    genres: tuple[str, ...]
    lead: tuple[str, str]  # (Chinese name, Latin name)
    partner: tuple[str, str]
    episodes: int
    year: int
    format: str = "vertical"
    status: str = "published"
    source: str | None = None
    owner: str = "migu"
    free_episode_count: int = 10
    unlock_price_tier: str = "T1"

    @property
    def original_language(self) -> str:
        return next(iter(self.titles))

    @property
    def original_title(self) -> str:
        return self.titles[self.original_language].full


V, H = "vertical", "horizontal"

DRAMAS: tuple[DemoDrama, ...] = (
    DemoDrama(
        "reborn-heiress",
        {
            "zh-Hans": T("重生千金：渣男跪求原谅", "重生千金"),
            "en": T("Reborn Heiress: Kneel and Beg", "Reborn Heiress"),
            "ko": T("환생한 상속녀: 무릎 꿇고 빌어라", "환생한 상속녀"),
            "th": T("ทายาทสาวเกิดใหม่ ล้างแค้นคนทรยศ", "ทายาทสาวเกิดใหม่"),
            "ar": T("الوريثة العائدة: الانتقام الحلو", "الوريثة العائدة"),
            "zh-Hant-HK": T("重生千金：渣男跪求原諒", "重生千金"),
        },
        ("rebirth", "revenge", "ceo-romance"), ("romance", "urban"), ("林晚", "Lin Wan"), ("顾深", "Gu Shen"),
        episodes=80, year=2024, source="heiress", unlock_price_tier="T2",
    ),
    DemoDrama(
        "ceo-secret-wife",
        {
            "zh-Hans": T("闪婚后，总裁的秘密妻子", "总裁的秘密妻子"),
            "en": T("Married in a Flash: The CEO's Secret Wife", "CEO's Secret Wife"),
            "ko": T("번개 결혼: 대표님의 비밀 아내", "대표님의 비밀 아내"),
            "th": T("แต่งด่วนกับซีอีโอ ภรรยาลับของประธาน", "ภรรยาลับของประธาน"),
            "ar": T("زواج خاطف: الزوجة السرية للرئيس", "الزوجة السرية"),
            "zh-Hant-HK": T("閃婚後，總裁的秘密妻子", "總裁的秘密妻子"),
        },
        ("contract-marriage", "ceo-romance", "hidden-identity"), ("romance", "urban"), ("苏念", "Su Nian"),
        ("陆景川", "Lu Jingchuan"), episodes=90, year=2024, source="flash-marriage",
    ),
    DemoDrama(
        "return-of-the-war-god",
        {
            "zh-Hans": T("战神归来"),
            "en": T("Return of the War God", "The War God Returns"),
            "ko": T("전신의 귀환"),
            "th": T("การกลับมาของเทพสงคราม", "เทพสงครามคืนถิ่น"),
            "ar": T("عودة إله الحرب"),
            "zh-Hant-HK": T("戰神歸來"),
        },
        ("hidden-identity", "counterattack"), ("urban", "action"), ("秦烈", "Qin Lie"), ("沈清歌", "Shen Qingge"),
        episodes=100, year=2023, source="war-god", free_episode_count=12,
    ),
    DemoDrama(
        "time-slip-empress",
        {
            "zh-Hans": T("穿越之凤临天下", "凤临天下"),
            "en": T("Time-Slip Empress: Phoenix Over the Realm", "Time-Slip Empress"),
            "ko": T("시간을 넘은 황후"),
            "th": T("ข้ามเวลามาเป็นจักรพรรดินี", "จักรพรรดินีข้ามภพ"),
            "ar": T("إمبراطورة عبر الزمن"),
            "zh-Hant-HK": T("穿越之鳳臨天下", "鳳臨天下"),
        },
        ("time-travel", "palace-intrigue"), ("historical", "romance"), ("云朵", "Yun Duo"), ("赵珩", "Zhao Heng"),
        episodes=72, year=2024, source="phoenix", unlock_price_tier="T2",
    ),
    DemoDrama(
        "son-in-law-strikes-back",
        {
            "zh-Hans": T("上门女婿的逆袭", "女婿逆袭"),
            "en": T("The Live-In Son-in-Law Strikes Back", "Son-in-Law Rises"),
            "ko": T("데릴사위의 반격"),
            "th": T("ลูกเขยพลิกเกม"),
            "ar": T("هجوم الصهر المضاد"),
            "zh-Hant-HK": T("上門女婿的逆襲", "女婿逆襲"),
        },
        ("counterattack", "hidden-identity"), ("urban", "family"), ("叶辰", "Ye Chen"), ("苏婉", "Su Wan"),
        episodes=95, year=2023, source="son-in-law",
    ),
    DemoDrama(
        "after-the-divorce",
        {
            "zh-Hans": T("离婚后她惊艳全球", "离婚后她惊艳全球"),
            "en": T("After the Divorce, She Dazzled the World", "After the Divorce"),
            "ko": T("이혼 후 그녀는 세상을 사로잡았다", "화려한 이혼"),
            "th": T("หลังหย่า เธอเปล่งประกายไปทั้งโลก", "หย่าแล้วปัง"),
            "ar": T("بعد الطلاق أبهرت العالم", "بعد الطلاق"),
            "zh-Hant-HK": T("離婚後她驚艷全球"),
        },
        ("counterattack", "revenge", "ceo-romance"), ("romance", "urban"), ("沈念", "Shen Nian"), ("傅寒", "Fu Han"),
        episodes=86, year=2025, unlock_price_tier="T2",
    ),
    DemoDrama(
        "reborn-in-1998",
        {
            "zh-Hans": T("重生1998：我在小城当首富", "重生1998"),
            "en": T("Reborn in 1998: The Richest Man in a Small Town", "Reborn in 1998"),
            "ko": T("1998년으로 돌아가다"),
            "th": T("ย้อนเวลาสู่ปี 1998"),
        },
        ("rebirth", "counterattack"), ("urban", "family"), ("陈默", "Chen Mo"), ("许静", "Xu Jing"),
        episodes=68, year=2023, source="nineteen-ninety-eight", free_episode_count=8,
    ),
    DemoDrama(
        "rightful-daughter",
        {
            "zh-Hans": T("嫡女归来"),
            "en": T("Return of the Rightful Daughter", "Rightful Daughter"),
            "ko": T("적녀의 귀환"),
            "th": T("คุณหนูใหญ่คืนจวน"),
            "ar": T("عودة الابنة الشرعية"),
            "zh-Hant-HK": T("嫡女歸來"),
        },
        ("rebirth", "revenge", "palace-intrigue"), ("historical", "romance"), ("沈清辞", "Shen Qingci"),
        ("萧珩", "Xiao Heng"), episodes=84, year=2024, source="rightful-daughter", unlock_price_tier="T2",
    ),
    DemoDrama(
        "my-ceo-from-the-song-dynasty",
        {
            "zh-Hans": T("我的总裁来自大宋"),
            "en": T("My CEO Is from the Song Dynasty", "My CEO from Song"),
            "ko": T("송나라에서 온 대표님"),
            "th": T("ซีอีโอของฉันมาจากราชวงศ์ซ่ง", "ซีอีโอจากยุคซ่ง"),
            "zh-Hant-HK": T("我的總裁來自大宋"),
        },
        ("time-travel", "ceo-romance"), ("romance", "comedy"), ("唐糖", "Tang Tang"), ("赵允安", "Zhao Yun'an"),
        episodes=64, year=2025,
    ),
    DemoDrama(
        "the-real-heiress",
        {
            "zh-Hans": T("真假千金"),
            "en": T("The Real Heiress Returns", "The Real Heiress"),
            "ko": T("진짜 아가씨의 귀환"),
            "th": T("คุณหนูตัวจริง"),
            "ar": T("عودة الوريثة الحقيقية", "الوريثة الحقيقية"),
            "zh-Hant-HK": T("真假千金"),
        },
        ("hidden-identity", "revenge"), ("family", "romance"), ("乔安", "Qiao An"), ("江屿", "Jiang Yu"),
        episodes=78, year=2024, source="real-heiress",
    ),
    DemoDrama(
        "contract-lovers",
        {
            "zh-Hans": T("契约情人一百天", "契约情人"),
            "en": T("Contract Lovers: One Hundred Days", "Contract Lovers"),
            "ko": T("100일 계약 연인"),
            "th": T("สัญญารัก 100 วัน"),
        },
        ("contract-marriage", "ceo-romance"), ("romance",), ("宋雨", "Song Yu"), ("韩彻", "Han Che"),
        episodes=60, year=2022, status="retired", source="flash-marriage", free_episode_count=15,
    ),
    DemoDrama(
        "the-divine-doctor",
        {
            "zh-Hans": T("神医下山"),
            "en": T("The Divine Doctor Comes Down the Mountain", "The Divine Doctor"),
            "ko": T("하산한 신의"),
            "th": T("หมอเทวดาลงเขา"),
            "ar": T("الطبيب المعجزة"),
            "zh-Hant-HK": T("神醫下山"),
        },
        ("hidden-identity", "counterattack"), ("urban", "fantasy"), ("林逸", "Lin Yi"), ("秦雪", "Qin Xue"),
        episodes=100, year=2024, source="divine-doctor", free_episode_count=12,
    ),
    DemoDrama(
        "boardroom-queen",
        {
            "zh-Hans": T("逆袭女王：从实习生到董事长", "逆袭女王"),
            "en": T(
                "Boardroom Queen: From Intern to Chairwoman of the Richest Group in the City",
                "Boardroom Queen",
                "Boardroom Queen: From Intern to Chairwoman",
            ),
            "ko": T("역전의 여왕: 인턴에서 회장까지", "역전의 여왕"),
            "th": T("ราชินีพลิกเกม จากเด็กฝึกงานสู่ประธาน", "ราชินีพลิกเกม"),
            "ar": T("ملكة مجلس الإدارة"),
            "zh-Hant-HK": T("逆襲女王：由實習生到董事長", "逆襲女王"),
        },
        ("counterattack", "ceo-romance"), ("urban", "romance"), ("何夕", "He Xi"), ("周屹", "Zhou Yi"),
        episodes=70, year=2025, unlock_price_tier="T2",
    ),
    DemoDrama(
        "back-to-the-wedding-day",
        {
            "zh-Hans": T("重回婚礼那天"),
            "en": T("Back to the Wedding Day", "Wedding Day Redo"),
            "ko": T("결혼식 날로 돌아가다"),
            "th": T("ย้อนกลับวันแต่งงาน"),
            "ar": T("العودة إلى يوم الزفاف", "يوم الزفاف"),
        },
        ("rebirth", "revenge"), ("romance",), ("温言", "Wen Yan"), ("陆承", "Lu Cheng"),
        episodes=62, year=2025,
    ),
    DemoDrama(
        "the-emperors-runaway-bride",
        {
            "zh-Hans": T("皇上的逃跑新娘"),
            "en": T("The Emperor's Runaway Bride", "Runaway Bride"),
            "ko": T("황제의 도망친 신부"),
            "th": T("เจ้าสาวหนีรักของฮ่องเต้", "เจ้าสาวหนีรัก"),
            "ar": T("عروس الإمبراطور الهاربة", "العروس الهاربة"),
            "zh-Hant-HK": T("皇上的逃跑新娘"),
        },
        ("time-travel", "palace-intrigue", "contract-marriage"), ("historical", "comedy"), ("花小满", "Hua Xiaoman"),
        ("楚昭", "Chu Zhao"), episodes=88, year=2024,
    ),
    DemoDrama(
        "surprise-twins",
        {
            "zh-Hans": T("萌宝来袭：总裁爹地追妻忙", "萌宝来袭"),
            "en": T("Surprise Twins: Daddy CEO on the Chase", "Surprise Twins"),
            "ko": T("깜짝 쌍둥이: 대표 아빠의 구애 작전", "깜짝 쌍둥이"),
            "th": T("แฝดจิ๋วป่วนหัวใจประธาน", "แฝดจิ๋วป่วนใจ"),
            "zh-Hant-HK": T("萌寶來襲：總裁爹哋追妻忙", "萌寶來襲"),
        },
        ("ceo-romance", "hidden-identity"), ("romance", "family", "comedy"), ("夏晴", "Xia Qing"), ("厉北", "Li Bei"),
        episodes=82, year=2025, unlock_price_tier="T2",
    ),
    DemoDrama(
        "the-chef-who-crossed-time",
        {
            "zh-Hans": T("穿越之御厨娘子", "御厨娘子"),
            "en": T("The Chef Who Crossed Time", "Chef Across Time"),
            "ko": T("시간을 건넌 궁중 요리사", "궁중 요리사"),
            "th": T("แม่ครัวข้ามเวลา"),
            "ar": T("الطاهية العابرة للزمن", "طاهية الزمن"),
            "zh-Hant-HK": T("穿越之御廚娘子", "御廚娘子"),
        },
        ("time-travel", "counterattack"), ("historical", "comedy"), ("米朵", "Mi Duo"), ("李珩", "Li Heng"),
        episodes=66, year=2024,
    ),
    DemoDrama(
        "revenge-in-red",
        {
            "zh-Hans": T("红衣复仇"),
            "en": T("Revenge in Red"),
            "ko": T("붉은 옷의 복수"),
            "th": T("แค้นชุดแดง"),
            "ar": T("انتقام بالأحمر"),
            "zh-Hant-HK": T("紅衣復仇"),
        },
        ("revenge", "hidden-identity"), ("thriller",), ("白芷", "Bai Zhi"), ("韩烈", "Han Lie"),
        episodes=76, year=2025, unlock_price_tier="T3", free_episode_count=8,
    ),
    DemoDrama(
        "the-quiet-tycoon",
        {
            "zh-Hans": T("低调首富"),
            "en": T("The Quiet Tycoon"),
            "ko": T("조용한 재벌"),
            "th": T("มหาเศรษฐีเงียบ"),
            "ar": T("الثري المتخفي"),
        },
        ("hidden-identity", "counterattack"), ("urban",), ("江河", "Jiang He"), ("林菲", "Lin Fei"),
        episodes=92, year=2022, status="retired",
    ),
    DemoDrama(
        "second-life-second-love",
        {
            "zh-Hans": T("重生之再爱一次", "再爱一次"),
            "en": T("Second Life, Second Love", "Second Love"),
            "ko": T("다시 태어나 다시 사랑", "다시 사랑"),
            "th": T("เกิดใหม่เพื่อรักอีกครั้ง", "รักอีกครั้ง"),
            "zh-Hant-HK": T("重生之再愛一次", "再愛一次"),
        },
        ("rebirth", "ceo-romance"), ("romance",), ("许诺", "Xu Nuo"), ("顾言", "Gu Yan"),
        episodes=74, year=2024,
    ),
    DemoDrama(
        "return-of-the-sword-heart",
        {
            "zh-Hans": T("剑心归来"),
            "en": T("Return of the Sword Heart", "Sword Heart"),
            "ko": T("검심의 귀환"),
            "th": T("ดาบใจคืนยุทธภพ"),
            "ar": T("عودة قلب السيف"),
            "zh-Hant-HK": T("劍心歸來"),
        },
        ("rebirth", "revenge"), ("wuxia", "action"), ("楚云歌", "Chu Yunge"), ("慕容白", "Murong Bai"),
        episodes=80, year=2023, source="sword-heart",
    ),
    DemoDrama(
        "my-bodyguard-husband",
        {
            "zh-Hans": T("我的保镖老公"),
            "en": T("My Bodyguard Husband", "Bodyguard Husband"),
            "ko": T("나의 경호원 남편"),
            "th": T("สามีบอดี้การ์ดของฉัน", "สามีบอดี้การ์ด"),
            "ar": T("زوجي الحارس الشخصي", "زوجي الحارس"),
        },
        ("hidden-identity", "contract-marriage"), ("romance", "action"), ("秦朗", "Qin Lang"), ("安琪", "An Qi"),
        episodes=70, year=2025,
    ),
    DemoDrama(
        "women-of-the-silk-road",
        {
            "zh-Hans": T("丝路女商"),
            "en": T("Women of the Silk Road", "Silk Road Women"),
            "ko": T("실크로드의 여상인"),
            "th": T("สตรีพ่อค้าแห่งเส้นทางสายไหม", "สตรีเส้นทางสายไหม"),
            "ar": T("تاجرات طريق الحرير"),
            "zh-Hant-HK": T("絲路女商"),
        },
        ("counterattack", "palace-intrigue"), ("historical", "family"), ("沈如月", "Shen Ruyue"), ("阿斯兰", "Aslan"),
        episodes=36, year=2023, format=H, source="silk-road", free_episode_count=3, unlock_price_tier="T3",
    ),
    DemoDrama(
        "harbour-lights",
        {
            "yue": T("港灣燈火"),
            "zh-Hans": T("港湾灯火"),
            "en": T("Harbour Lights"),
            "ko": T("항구의 불빛"),
            "th": T("แสงไฟริมอ่าว"),
        },
        ("revenge", "hidden-identity"), ("thriller", "urban"), ("陈家欣", "Chan Ka-yan"), ("黄子朗", "Wong Tsz-long"),
        episodes=30, year=2025, format=H, owner="pearl-river-pictures", free_episode_count=2, unlock_price_tier="T3",
    ),
    DemoDrama(
        "the-palace-physician",
        {
            "zh-Hans": T("宫廷御医"),
            "en": T("The Palace Physician", "Palace Physician"),
            "ko": T("궁중 어의"),
            "th": T("หมอหลวงแห่งวังหลัง"),
            "ar": T("طبيبة القصر"),
            "zh-Hant-HK": T("宮廷御醫"),
        },
        ("palace-intrigue", "hidden-identity"), ("historical",), ("苏问", "Su Wen"), ("萧策", "Xiao Ce"),
        episodes=40, year=2022, format=H, source="physician", free_episode_count=4, unlock_price_tier="T4",
    ),
    DemoDrama(
        "city-against-the-light",
        {
            "zh-Hans": T("逆光之城"),
            "en": T("City Against the Light", "Against the Light"),
            "ko": T("역광의 도시"),
            "th": T("เมืองย้อนแสง"),
            "zh-Hant-HK": T("逆光之城"),
        },
        ("counterattack", "revenge"), ("urban", "thriller"), ("周野", "Zhou Ye"), ("林澈", "Lin Che"),
        episodes=24, year=2024, format=H, free_episode_count=24, unlock_price_tier="free",
    ),
    DemoDrama(
        "the-phoenix-contract",
        {
            "zh-Hans": T("凤凰契约"),
            "en": T("The Phoenix Contract", "Phoenix Contract"),
            "ko": T("불사조 계약"),
        },
        ("contract-marriage", "rebirth"), ("romance", "fantasy"), ("凤栖", "Feng Qi"), ("墨寒", "Mo Han"),
        episodes=60, year=2026, status="draft",
    ),
    DemoDrama(
        "love-at-the-night-market",
        {
            "zh-Hans": T("夜市情缘"),
            "en": T("Love at the Night Market", "Night Market Love"),
            "th": T("รักที่ตลาดกลางคืน"),
        },
        ("ceo-romance", "hidden-identity"), ("romance", "comedy"), ("小桃", "Xiao Tao"), ("季川", "Ji Chuan"),
        episodes=65, year=2026, status="draft", source="night-market",
    ),
    DemoDrama(
        "the-generals-wife-returns",
        {
            "zh-Hans": T("将军夫人回来了"),
            "en": T("The General's Wife Returns", "The General's Wife"),
            "ko": T("장군 부인이 돌아왔다"),
            "ar": T("عودة زوجة الجنرال"),
            "zh-Hant-HK": T("將軍夫人返來了"),
        },
        ("rebirth", "palace-intrigue"), ("historical", "romance"), ("宁昭", "Ning Zhao"), ("霍骁", "Huo Xiao"),
        episodes=90, year=2026, status="ready",
    ),
    DemoDrama(
        "neon-revenge",
        {
            "zh-Hans": T("霓虹复仇"),
            "en": T("Neon Revenge"),
            "ko": T("네온 리벤지"),
            "th": T("แค้นแสงนีออน"),
            "zh-Hant-HK": T("霓虹復仇"),
        },
        ("revenge", "counterattack"), ("thriller", "action"), ("凌夜", "Ling Ye"), ("苏糖", "Su Tang"),
        episodes=68, year=2026, status="ready", unlock_price_tier="T2",
    ),
)  # fmt: skip

# Dramas whose lead (the first character) is a man; the others have a heroine.
MALE_LEADS: frozenset[str] = frozenset(
    {"return-of-the-war-god", "son-in-law-strikes-back", "reborn-in-1998", "the-divine-doctor", "the-quiet-tycoon",
     "my-bodyguard-husband", "city-against-the-light"}
)  # fmt: skip

# --- Tenants --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoChannel:
    slug: str
    name: str
    kind: str
    territories: tuple[str, ...]
    languages: tuple[str, ...]


@dataclass(frozen=True)
class DemoOrganization:
    slug: str
    name: str
    kind: str
    territories: tuple[str, ...]
    languages: tuple[str, ...]
    channels: tuple[DemoChannel, ...] = field(default=())


def _app(slug: str, name: str, territories: tuple[str, ...], languages: tuple[str, ...]) -> DemoChannel:
    return DemoChannel(slug, name, "app", territories, languages)


def _iptv(territories: tuple[str, ...], languages: tuple[str, ...], name: str = "Short Drama") -> DemoChannel:
    return DemoChannel("short-drama-iptv", name, "iptv", territories, languages)


ORGANIZATIONS: tuple[DemoOrganization, ...] = (
    # Licensors: the content owner and a Hong Kong co-producer.
    DemoOrganization("migu", "Migu", "licensor", ("CN",), ("zh-Hans", "en")),
    DemoOrganization(
        "pearl-river-pictures", "Pearl River Pictures (HK)", "licensor", ("HK",), ("yue", "zh-Hant-HK", "en")
    ),
    # Partner platforms.
    DemoOrganization(
        "reelnorth", "ReelNorth", "partner", ("US", "CA"), ("en",),
        (_app("reelnorth-app", "ReelNorth app", ("US", "CA"), ("en",)),
         DemoChannel("reelnorth-fast", "ReelNorth Short Drama FAST", "fast", ("US",), ("en",))),
    ),
    DemoOrganization(
        "kokoro-shorts", "Kokoro Shorts", "partner", ("JP",), ("ja", "en"),
        (_app("kokoro-app", "Kokoro Shorts app", ("JP",), ("ja", "en")),),
    ),
    DemoOrganization(
        "haneul-tv", "Haneul TV", "partner", ("KR",), ("ko",),
        (_app("haneul-app", "Haneul TV app", ("KR",), ("ko",)),
         DemoChannel("haneul-web", "Haneul TV web", "web", ("KR",), ("ko",))),
    ),
    DemoOrganization(
        "siam-shorts", "Siam Shorts", "partner", ("TH",), ("th", "en"),
        (_app("siam-shorts-app", "Siam Shorts app", ("TH",), ("th", "en")),),
    ),
    DemoOrganization(
        "nusantara-drama", "Nusantara Drama", "partner", ("ID", "MY", "BN"), ("id", "ms", "en"),
        (_app("nusantara-app", "Nusantara Drama app", ("ID", "MY", "BN"), ("id", "ms", "en")),),
    ),
    DemoOrganization(
        "saigon-reels", "Saigon Reels", "partner", ("VN",), ("vi", "en"),
        (_app("saigon-reels-app", "Saigon Reels app", ("VN",), ("vi", "en")),),
    ),
    DemoOrganization(
        "pinoy-reels", "Pinoy Reels", "partner", ("PH",), ("fil", "en"),
        (_app("pinoy-reels-app", "Pinoy Reels app", ("PH",), ("en", "fil")),),
    ),
    DemoOrganization(
        "layali-shorts", "Layali Shorts", "partner", ("GCC", "EG", "JO", "MA"), ("ar", "en"),
        (_app("layali-app", "Layali Shorts app", ("GCC", "EG", "JO", "MA"), ("ar", "en")),),
    ),
    # Telecom operators: an app each and an IPTV "Short Drama" channel.
    DemoOrganization(
        "harbour-mobile", "Harbour Mobile", "operator", ("HK", "MO"), ("zh-Hant-HK", "yue", "en"),
        (_app("harbour-mobile-app", "Harbour Mobile TV", ("HK", "MO"), ("zh-Hant-HK", "en")),
         _iptv(("HK",), ("zh-Hant-HK", "yue"), "短劇台 Short Drama")),
    ),
    DemoOrganization(
        "chao-phraya-telecom", "Chao Phraya Telecom", "operator", ("TH",), ("th",),
        (_app("cpt-app", "CPT Play", ("TH",), ("th",)), _iptv(("TH",), ("th",))),
    ),
    DemoOrganization(
        "najd-telecom", "Najd Telecom", "operator", ("SA",), ("ar",),
        (_app("najd-app", "Najd TV", ("SA",), ("ar",)), _iptv(("SA",), ("ar",))),
    ),
    DemoOrganization(
        "semenanjung-mobile", "Semenanjung Mobile", "operator", ("MY",), ("ms", "en", "zh-Hans"),
        (_app("semenanjung-app", "Semenanjung Play", ("MY",), ("ms", "en", "zh-Hans")),
         _iptv(("MY",), ("ms", "zh-Hans"))),
    ),
    DemoOrganization(
        "archipelago-cellular", "Archipelago Cellular", "operator", ("ID",), ("id",),
        (_app("archipelago-app", "Archipelago TV", ("ID",), ("id",)), _iptv(("ID",), ("id",))),
    ),
)  # fmt: skip

# Partners' own content ids for a few titles (ExternalId scheme "partner").
PARTNER_IDS: tuple[tuple[str, str, str], ...] = (
    ("reelnorth", "reborn-heiress", "RN-100231"),
    ("reelnorth", "ceo-secret-wife", "RN-100232"),
    ("reelnorth", "return-of-the-war-god", "RN-100245"),
    ("haneul-tv", "reborn-heiress", "HN-2024-0815"),
    ("haneul-tv", "time-slip-empress", "HN-2024-0902"),
    ("layali-shorts", "the-divine-doctor", "LY-7781"),
)

# --- People who log in ----------------------------------------------------------------------------
# Demo-only logins, printed by `make run` and written to var/demo_credentials.json.

STAFF: tuple[tuple[str, str, str], ...] = (
    # (username, role, password); role "superuser" is the Django superuser, the others are staff groups.
    ("admin", "superuser", "migu-admin-2026"),
    ("content.manager", "content", "migu-content-2026"),
    ("rights.manager", "rights", "migu-rights-2026"),
    ("localization.manager", "localization", "migu-l10n-2026"),
)  # fmt: skip

# Every organization gets one admin and one viewer; members of all organizations share these.
ORGANIZATION_USER_PASSWORDS: dict[str, str] = {"admin": "demo-org-admin-2026", "viewer": "demo-org-viewer-2026"}

# API key scopes per organization kind.
API_KEY_SCOPES: dict[str, tuple[str, ...]] = {
    "licensor": ("catalog:read", "events:write", "webhooks:manage", "rights:read", "rights:write"),
    "partner": ("catalog:read", "events:write", "webhooks:manage", "rights:read"),
    "operator": ("catalog:read", "events:write", "webhooks:manage", "rights:read"),
}
DEMO_API_KEY_NAME = "Demo key"

# --- Licences (rights windows) ----------------------------------------------------------------------
# Periods are relative to the day of the first seed (see catalog.demo.seed.licence_period):
#   current   started six months ago, runs another eighteen months
#   expiring  ends twelve days from now
#   upcoming  starts on the first of next month
#   expired   ended on the first of last month (the retired titles)
# Rights in, acquired by each drama's owner for every territory its partners need, cover them all.


@dataclass(frozen=True)
class DemoLicence:
    licensee: str
    licence_type: str
    dramas: tuple[str, ...]
    period: str = "current"
    exclusive: bool = False
    channel: str | None = None  # a channel of the licensee; its territories then bound the window
    unlock_price: str | None = None
    currency: str = ""
    free_episode_count: int | None = None


LICENCES: tuple[DemoLicence, ...] = (
    # North America: exclusive SVOD on the three biggest titles, a FAST channel, one expiring, one coming.
    DemoLicence("reelnorth", "SVOD", ("reborn-heiress", "ceo-secret-wife", "return-of-the-war-god"), exclusive=True),
    DemoLicence("reelnorth", "SVOD", ("after-the-divorce", "boardroom-queen", "the-divine-doctor", "surprise-twins",
                                      "my-bodyguard-husband")),
    DemoLicence("reelnorth", "SVOD", ("son-in-law-strikes-back",), period="expiring"),
    DemoLicence("reelnorth", "SVOD", ("neon-revenge",), period="upcoming"),
    DemoLicence("reelnorth", "SVOD", ("contract-lovers",), period="expired"),
    DemoLicence("reelnorth", "FAST", ("revenge-in-red", "city-against-the-light"), channel="reelnorth-fast"),
    # Japan: pay-per-episode.
    DemoLicence("kokoro-shorts", "TVOD", ("reborn-heiress", "time-slip-empress", "rightful-daughter",
                                          "the-emperors-runaway-bride", "the-chef-who-crossed-time"),
                unlock_price="120", currency="JPY", free_episode_count=5),
    DemoLicence("kokoro-shorts", "TVOD", ("the-generals-wife-returns",), period="upcoming", unlock_price="120",
                currency="JPY"),
    # Korea: exclusive SVOD on three titles.
    DemoLicence("haneul-tv", "SVOD", ("reborn-heiress", "time-slip-empress", "second-life-second-love"),
                exclusive=True),
    DemoLicence("haneul-tv", "SVOD", ("ceo-secret-wife", "my-ceo-from-the-song-dynasty", "reborn-in-1998",
                                      "harbour-lights")),
    DemoLicence("haneul-tv", "SVOD", ("the-generals-wife-returns",), period="upcoming", exclusive=True),
    DemoLicence("haneul-tv", "SVOD", ("back-to-the-wedding-day",), period="expiring"),
    # Thailand: a partner app (AVOD) and an operator's IPTV channel (SVOD).
    DemoLicence("siam-shorts", "AVOD", ("ceo-secret-wife", "after-the-divorce", "the-real-heiress",
                                        "my-ceo-from-the-song-dynasty", "surprise-twins", "second-life-second-love",
                                        "reborn-in-1998")),
    DemoLicence("siam-shorts", "AVOD", ("the-divine-doctor",), period="expiring"),
    DemoLicence("chao-phraya-telecom", "SVOD", ("reborn-heiress", "return-of-the-war-god", "son-in-law-strikes-back",
                                                "women-of-the-silk-road", "city-against-the-light"),
                channel="short-drama-iptv"),
    DemoLicence("chao-phraya-telecom", "SVOD", ("revenge-in-red",), channel="cpt-app"),
    DemoLicence("chao-phraya-telecom", "SVOD", ("neon-revenge",), period="upcoming"),
    # Indonesia, Malaysia, Brunei, Vietnam, the Philippines.
    DemoLicence("nusantara-drama", "AVOD", ("return-of-the-war-god", "the-divine-doctor", "son-in-law-strikes-back",
                                            "boardroom-queen", "my-bodyguard-husband", "the-real-heiress")),
    DemoLicence("nusantara-drama", "AVOD", ("rightful-daughter",), period="upcoming"),
    DemoLicence("saigon-reels", "TVOD", ("reborn-heiress", "time-slip-empress", "the-emperors-runaway-bride",
                                         "return-of-the-sword-heart", "the-palace-physician"),
                unlock_price="15000", currency="VND"),
    DemoLicence("pinoy-reels", "AVOD", ("ceo-secret-wife", "after-the-divorce", "surprise-twins",
                                        "back-to-the-wedding-day")),
    DemoLicence("pinoy-reels", "AVOD", ("boardroom-queen",), period="upcoming"),
    DemoLicence("semenanjung-mobile", "SVOD", ("reborn-heiress", "ceo-secret-wife", "time-slip-empress",
                                               "the-palace-physician", "women-of-the-silk-road",
                                               "return-of-the-sword-heart")),
    DemoLicence("archipelago-cellular", "AVOD", ("revenge-in-red", "the-emperors-runaway-bride", "the-divine-doctor"),
                channel="short-drama-iptv"),
    DemoLicence("archipelago-cellular", "AVOD", ("my-ceo-from-the-song-dynasty",), period="upcoming"),
    # Middle East and North Africa.
    DemoLicence("layali-shorts", "SVOD", ("the-divine-doctor", "revenge-in-red"), exclusive=True),
    DemoLicence("layali-shorts", "SVOD", ("reborn-heiress", "ceo-secret-wife", "the-real-heiress",
                                          "my-bodyguard-husband", "women-of-the-silk-road", "the-palace-physician")),
    DemoLicence("layali-shorts", "SVOD", ("the-generals-wife-returns",), period="upcoming"),
    DemoLicence("najd-telecom", "AVOD", ("return-of-the-war-god", "after-the-divorce", "boardroom-queen",
                                         "the-chef-who-crossed-time", "return-of-the-sword-heart")),
    DemoLicence("najd-telecom", "AVOD", ("rightful-daughter",), period="expiring"),
    DemoLicence("najd-telecom", "AVOD", ("the-quiet-tycoon",), period="expired"),
    # Hong Kong and Macau: the Cantonese co-production exclusively, the rest on the IPTV channel.
    DemoLicence("harbour-mobile", "SVOD", ("harbour-lights",), exclusive=True),
    DemoLicence("harbour-mobile", "SVOD", ("reborn-heiress", "time-slip-empress", "the-emperors-runaway-bride",
                                           "second-life-second-love", "city-against-the-light",
                                           "the-chef-who-crossed-time"), channel="short-drama-iptv"),
    DemoLicence("harbour-mobile", "SVOD", ("surprise-twins", "my-ceo-from-the-song-dynasty"),
                channel="harbour-mobile-app"),
)  # fmt: skip
