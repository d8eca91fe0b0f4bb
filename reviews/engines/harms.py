"""Target + intent heuristics for three harms the toxicity model misses when no swear word is used:
threats (`THREAT`), hate against a group (`HATE_SPEECH`) and sexual harassment (`SEXUAL_HARASSMENT`).

Each heuristic is a named regular expression over the normalised text (normalise.py steps 1-5, curly apostrophes
read as `'`), listed in docs/policies.md with what it looks for. They look for *who* is targeted (the reader, a named
group, someone's family) together with *what* is meant (harm, dehumanisation, exclusion, unwanted sexual attention),
never for single words, so news about threats, discussions of identity and sexual-health questions mostly stay
clean. They are heuristics, measured on the hand-written set in tests/engines/data/ (figures in docs/policies.md):
anything phrased unlike these patterns is missed, and sarcasm, quotes and fiction are not understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    label: str
    severity: str
    rule: str  # the heuristic's name, as docs/policies.md lists it
    phrase: str  # the text it matched


def _any(*words: str) -> str:
    return "(?:" + "|".join(words) + ")"


# --- shared pieces -----------------------------------------------------------------------------------------------

_YOU = r"(?:you|u|ya|yall|y'all)"
_YOUR = r"(?:your|ur|yer)"
# "I will", "I'll", "ill" (chat spelling), "I'm going to", "imma", "I'd", "we'll" ...
_I_WILL = (r"(?:\b(?:i\s*'?\s*ll|i\s+will|i\s+shall|i\s*'?\s*m\s+(?:going\s+to|gonna|about\s+to)|i\s+am\s+(?:going\s+to"
           r"|gonna|about\s+to)|imma|ima|i\s+gonna|i\s*'\s*d|i\s+would|i\s+could|i\s+can|we\s*'?\s*ll|we\s+will"
           r"|we\s*'?\s*re\s+(?:going\s+to|gonna)|we\s+are\s+(?:going\s+to|gonna)|i\s+swear\s+i'?ll))")
_FILLER = r"(?:\s+(?:just|personally|literally|really|fucking|come\s+and|come|go|gladly|happily|then|also|still|"\
          r"soon|definitely|actually|totally))*"
_FAMILY = _any("daughter", "son", "kids?", "children", "wife", "husband", "family", "mum", "mom", "mother", "dad",
               "father", "sister", "brother", "girlfriend", "boyfriend", "baby", "parents")

# --- THREAT --------------------------------------------------------------------------------------------------------

# Verbs of violence whatever follows them ...
_HARM_VERB = _any(
    "kill", "murder", "hurt", "stab", "punch", "slap", "strangle", "choke", "drown", "smash", "slit", "run\\s+over",
    "blow\\s+up", "rape", "torture", "skin", "gut", "lynch", "bash", "batter", "cripple", "maim", "get\\s+even\\s+with",
    "beat\\s+up", "set\\s+fire\\s+to", "torch", "put\\s+a\\s+bullet\\s+in",
)
# ... verbs with a harmless "verb you a thing" reading ("I'll cut you a slice", "I'll shoot you an email") ...
_GIVE_HARM_VERB = _any("shoot", "kick", "burn", "break", "snap", "cut", "hang", "poison")
# ... and verbs that chat uses harmlessly ("I'll find you at the airport", "I'll beat you to the finish line"): these
# count only when the clause ends on the person or goes on menacingly ("I will find you.", "find u and end u").
_SOFT_HARM_VERB = _any("find", "beat", "end", "destroy", "hunt", "hunt\\s+down", "track\\s+down", "come\\s+for",
                       "come\\s+after", "knock", "bury", "wreck")
_SOFT_END = (r"(?:\s*(?:[.,!?;]|$)|\s+(?:and|down|up|out|senseless|to\s+death|to\s+a\s+pulp|black\s+and\s+blue|"
             r"myself|personally|wherever|where\s+(?:you|u)\s+live|when\s+(?:you|u)\s+least|one\s+day|soon|"
             r"eventually|no\s+matter))")
# A determiner after "you" makes the verb give-like ("I'll cut you a slice", "I'll shoot you an email").
_NOT_GIVE = r"(?!\s+(?:a|an|the|some|one|that|this|those|these|my|any|more|back|up|over|through|out|off|in\s+on)\b)"
# What of "yours" a threat names: body, home, people, livelihood ("I'll cut your hair" is not a threat).
_YOUR_TARGET = _any("face", "head", "skull", "neck", "throat", "arms?", "legs?", "fingers", "hands?", "teeth",
                    "knees", "kneecaps", "eyes", "nose", "jaw", "ribs", "brains?", "ass", "house", "home", "car",
                    "shop", "store", "office", "business", "life", "dog", "cat", "restaurant", "cafe", "bar", "garage",
                    "flat", "apartment", "farm", "studio", _FAMILY)
_YOUR_THING = rf"(?:both\s+|all\s+)?{_YOUR}\s+(?:little\s+|whole\s+|entire\s+)?{_YOUR_TARGET}\b"
_EVERY_ONE = r"every\s+(?:last\s+|single\s+)?one\s+of\s+(?:you|them)"
_HARM_OBJECT = rf"(?:{_YOU}\b|{_YOUR_THING}|him\b|her\b|them\b|everyone|{_EVERY_ONE})"
_GIVE_OBJECT = rf"(?:{_YOU}\b{_NOT_GIVE}|{_YOUR_THING}|him\b{_NOT_GIVE}|her\b{_NOT_GIVE}|them\b{_NOT_GIVE}|everyone" \
               rf"|{_EVERY_ONE})"
# Verbs that gaming and sport use figuratively; with a contest or a joke marker in the text they are not threats.
_CONTEST_VERBS = {"destroy", "beat", "end", "bury", "smash", "kill", "murder", "hunt", "find", "knock", "break",
                  "wreck", "hunt down", "track down", "come for", "come after", "shoot"}
_CONTEST = re.compile(
    r"\b(?:match|game|games|round|level|final|finals|tournament|league|chess|tennis|squash|golf|pool|darts|poker"
    r"|fifa|mario\s+kart|smash\s+bros|fortnite|minecraft|valorant|overwatch|ranked|pvp|1v1|ladder|race|quiz|court"
    r"|pitch|scrabble|monopoly|board\s+game|gg|lol|lmao|haha+|hehe|jk|just\s+kidding|kidding)\b|[:;]-?[)pd]"
)
_FIRST_PERSON_HARM = re.compile(
    rf"{_I_WILL}{_FILLER}\s+(?:(?P<verb>{_HARM_VERB})\s+{_HARM_OBJECT}|(?P<give>{_GIVE_HARM_VERB})\s+{_GIVE_OBJECT}"
    rf"|(?P<soft>{_SOFT_HARM_VERB})\s+(?:{_YOU}|him|her|them)\b{_SOFT_END}"
    rf"|(?P<soft2>beat|destroy|wreck|bury|hunt\s+down|track\s+down)\s+{_YOUR_THING}"
    rf"|(?:rip|tear|blow|cut|bite)\s+{_YOUR}\s+(?:\w+\s+)?(?:head|face|throat|arms?|legs?|fingers|tongue|eyes|balls)\s+off"
    rf"|knock\s+{_YOUR}\s+(?:teeth|head|block|lights)\s+(?:out|off|in)\b"
    rf"|(?:make|teach|put)\s+{_YOU}\s+(?:pay|regret|suffer|bleed|beg|disappear|eat\s+(?:those|your|ur)\s+words|a\s+lesson"
    r"|in\s+(?:a|the)\s+"
    rf"(?:hospital|wheelchair|ground|grave|ambulance|coffin|ditch|morgue))|make\s+{_YOUR}\s+life\s+(?:a\s+)?"
    rf"(?:living\s+)?hell|run\s+(?:{_YOU}|him|her|them)\s+over|make\s+sure\s+(?:{_YOU}|he|she|they)\s+(?:never|can'?t"
    r"|won'?t|don'?t|doesn'?t)\s+(?:walk|see|talk|wake|breathe|work|sleep|come\s+back)"
    r"|(?:choke|beat|knock|squeeze|kick|punch|slap|strangle)\s+the\s+(?:life|living\s+daylights|(?:living\s+)?hell"
    r"|shit|crap)\s+"
    rf"out\s+of\s+(?:{_YOU}|him|her|them))")

_THREAT_RULES: list[tuple[str, str, re.Pattern[str]]] = [
    # "you will bleed", "you won't survive the week", "you're going to wish you'd never been born"
    ("reader-will-suffer", "high", re.compile(
        rf"\b{_YOU}\s*(?:'ll|will|shall|'re\s+going\s+to|are\s+going\s+to|re\s+going\s+to|'re\s+gonna|are\s+gonna"
        r"|re\s+gonna|gonna)\s+(?:\w+\s+)?(?:die\b|bleed|suffer|get\s+(?:hurt|killed|stabbed|shot|beaten)|pay\s+for\s+(?:this|that|what|it\b)|disappear|end\s+up\s+(?:dead|in\s+(?:a|the)"
        r"\s+(?:ditch|hospital|morgue|grave|ground|river|bag|body\s*bag|wheelchair|ambulance|coffin))|be\s+(?:dead|"
        r"carried\s+out|buried|six\s+feet)|leave\s+in\s+(?:a|an)\s+(?:ambulance|bag|body\s*bag|coffin)|wish\s+"
        rf"{_YOU}\s*(?:'d|had|were)?\s*(?:never|been)|not\s+(?:survive|live\s+to|make\s+it\s+(?:home|out))|never\s+"
        r"(?:walk|wake|be\s+found|see\s+(?:it|us|me)\s+coming))"
        rf"|\b{_YOU}\s*(?:won'?t|will\s+not|wont)\s+(?:survive|live\s+(?:to|long|through)|make\s+it\s+(?:home|out"
        r"|alive)|walk\s+again|wake\s+up|see\s+(?:it|us|me)\s+coming)"
        rf"|\b{_YOU}\s*(?:'re|are|re)\s+(?:finished|done\s+for|a\s+dead\s+(?:man|woman))\s*(?:[.!]|$)"
        rf"|\b(?:{_YOU}\s*'?\s*re|{_YOU}\s+are|ur)\s+(?:dead|going\s+to\s+die|gonna\s+die)\b(?!\s+(?:tired|serious|"
        r"right|wrong|on|to\s+me|inside|funny))"
        rf"|\b(?:{_YOU}\s*'?\s*re|{_YOU}\s+are|ur)\s+(?:going|gonna\s+go)\s+to\s+(?:the\s+)?(?:hospital|morgue|grave|"
        r"cemetery)\s*(?:[.!,]|$)"
        rf"|\b{_YOU}(?:\s*'ll\s+|\s+will\s+|\s+)(?:leave|go\s+home|end\s+up)\s+(?:in|on)\s+(?:a|an|the)\s+(?:ambulance|"
        r"body\s*bag|coffin|hearse|stretcher)"
        rf"|\b{_YOU}\s*(?:'ll|will|are\s+going\s+to|'re\s+going\s+to|gonna)\s+(?:\w+\s+){{0,4}}?needs?\s+(?:an\s+"
        r"ambulance|a\s+coffin|a\s+hearse|a\s+body\s*bag)"
        r"|\b(?:you|u|he|she|they)\s+(?:won'?t|will\s+not)\s+live\s+to\s+see"
        rf"|\bpeople\s+like\s+{_YOU}\s+(?:end\s+up|get|deserve\s+to\s+(?:be|get))\s+(?:dead|in\s+a\s+ditch|hurt|shot|"
        r"killed|buried|stabbed)")),
    # "I know where you live", "we know which school your kids go to", "I have your address"
    ("knows-where-you-are", "high", re.compile(
        rf"\b(?:i|we)\s+know\s+(?:where|which\s+\w+|what\s+(?:school|street|house|car|bus|train|gym)\b)\s+(?:\w+\s+)?"
        rf"(?:{_YOU}|{_YOUR}\s+\w+)\s+(?:live|lives|work|works|sleep|sleeps|go|goes|study|studies|park|parks|stay)"
        rf"|\b(?:i|we)\s*(?:'ve|have|got)\s+(?:got\s+)?{_YOUR}\s+(?:home\s+)?(?:address|location|number\s+plate)")),
    # "watch your back", "sleep with one eye open", "your days are numbered", "a bullet with your name on it"
    ("menacing-idiom", "high", re.compile(
        rf"\bwatch\s+{_YOUR}\s+back\b(?!\s+(?:foot|feet|leg|legs|hand|wheel|tyre|tire|swing|row|pocket|garden|"
        rf"yard|seat|door|step|posture|muscles?))|\blook(?:ing)?\s+over\s+{_YOUR}\s+shoulder"
        r"|\bsleep\s+with\s+one\s+eye\s+open"
        rf"|\b{_YOUR}\s+days\s+are\s+numbered|\b(?:bullet|knife|grave|coffin)\s+with\s+{_YOUR}\s+name\s+on\s+it"
        r"|\b(?:it'?ll|it\s+will|the\s+next\s+one'?ll|the\s+next\s+one\s+will)\s+be\s+a\s+(?:bullet|knife|bomb)"
        r"|\bdon'?t\s+be\s+surprised\s+(?:when|if)\s+(?:someone|somebody|something|we|i|my)\b"
        r"|\bsix\s+feet\s+under|\bnever\s+find\s+(?:the|your|ur|his|her)\s+body|\bcarried\s+out\s+in\s+a\s+(?:bag|"
        rf"body\s*bag|coffin)|\bleave\s+town\s+while\s+{_YOU}\s+(?:still\s+)?can|\b(?:i'?m|i\s+am|we'?re|we\s+are)"
        rf"\s+coming\s+for\s+{_YOU}|\b{_YOU}\s+should\s+be\s+(?:afraid|scared|terrified)|\b{_YOU}\s+(?:better|had\s+"
        r"better)\s+(?:watch|run|hide)"
        r"|\b(?:after|when|once)\s+(?:i'?m|i\s+am|we'?re|we\s+are)\s+(?:done|finished|through)\s+with\s+(?:you|u)\b"
        rf"|\bhope\s+{_YOUR}\s+doors?\s+(?:are|is)\s+locked|\benjoy\s+{_YOUR}\s+last\s+(?:day|days|week|weekend|"
        r"night|breath|moments?)\b|\bpray\s+(?:i|we)\s+(?:never|don'?t)\s+(?:find|catch|see|meet)"
        r"|\bsee\s+what\s+happens\s+(?:when|if)\s+(?:i|we)\b"
        rf"|\b{_YOUR}\s+(?:final|last)\s+warning\b|\bthink\s+twice\s+before\s+(?:leaving|going|stepping|walking)"
        r"|\bdon'?t\s+bother\s+call(?:ing)?\s+the\s+(?:police|cops)|\bwhat\s+happens\s+to\s+(?:snitches|rats|grasses)"
        rf"|\b(?:knife|gun|blade|barrel)\s+(?:at|to|against)\s+{_YOUR}\s+(?:throat|head|neck|temple)"
        rf"|\b{_YOUR}\s+(?:home\s+)?address\s+(?:is\s+going|goes|will\s+go)\s+(?:on|up|online|public)"
        r"|\bgets?\s+(?:their|his|her|your|ur)\s+(?:face|head|skull|teeth)\s+(?:caved|smashed|kicked|bashed|knocked)\s+in")),
    # "something bad is going to happen to you", "it would be a shame if your house caught fire"
    ("harm-will-happen", "high", re.compile(
        r"\bsomething\s+(?:bad|terrible|nasty|awful|horrible)?\s*(?:is\s+going\s+to|will|might|could|gonna)\s+happen"
        rf"\s+to\s+(?:{_YOU}|{_YOUR}\s+\w+)|\b(?:would|'d)\s+be\s+a\s+shame\s+if\s+(?:something|{_YOU}|{_YOUR})"
        rf"|\baccidents\s+happen\b.*\b{_YOU}|\b{_YOU}\b.*\baccidents\s+happen"
        rf"|\b{_YOUR}\s+(?:house|home|car|shop|place|family|office)\s+(?:gets|will\s+get|is\s+getting|is\s+going\s+to"
        r"\s+get)\s+a\s+visit\b(?!\s+from)"
        rf"|\b{_YOUR}\s+(?:\w+\s+)?\w+\s+would\s+look\s+(?:\w+\s+)?(?:on\s+fire|in\s+flames|burning)")),
    # "... or your brother gets hurt", "your daughter walks home alone on Tuesdays, doesn't she?"
    ("family-targeted", "critical", re.compile(
        rf"\b{_YOU}\s*(?:'ll|will)\s+never\s+see\s+{_YOUR}\s+{_FAMILY}\s+again"
        rf"|\b{_YOUR}\s+(?:little\s+)?{_FAMILY}\s+(?:\w+\s+){{0,3}}?(?:gets?\s+hurt|will\s+(?:get\s+hurt|pay|suffer|regret)"
        r"|(?:is|are)\s+next|walks?\s+home\s+alone|(?:is|are)\s+(?:home\s+)?alone|would\s+be\s+(?:a\s+shame|sad|"
        r"sorry)|gets?\s+a\s+visit\b(?!\s+from))")),
    # "I'm bringing a knife to school for you", "I have a gun and your address", "shoot up the office"
    ("weapon-and-target", "critical", re.compile(
        r"\b(?:bring(?:ing)?|got|have|has|carry(?:ing)?|buy(?:ing)?|bought)\s+(?:a|my)\s+(?:gun|knife|blade|machete|"
        rf"rifle|pistol|shotgun|bomb)\b.*\b(?:{_YOU}|{_YOUR})\b"
        r"|\bshoot\s+up\s+(?:the|a|my|our|your|ur|this|that)\s+(?:school|office|mall|church|mosque|synagogue|"
        r"temple|party|place|club|class|concert|store|shop|work)")),
    # "I hope you die", "hope someone stabs you"
    ("wish-harm", "high", re.compile(
        rf"\bhope\s+(?:{_YOU}|{_YOUR}\s+\w+)\s+(?:\w+\s+)?(?:die|dies|rot|rots|burn|burns|suffer|suffers|choke|chokes|"
        r"drown|drowns|get\w*\s+(?:killed|shot|stabbed|hit\s+by|raped|cancer|run\s+over|hurt|beaten))"
        r"|\bhope\s+(?:someone|somebody|they|he|she)\s+(?:\w+\s+)?(?:kills?|shoots?|stabs?|beats?|hurts?|runs?\s+over)"
        rf"\s+(?:{_YOU}|{_YOUR}|him|her)\b")),
    # "someone should put that reporter in the ground", "he deserves a beating"
    ("incitement-against-someone", "high", re.compile(
        r"\b(?:someone|somebody|people|y'all|they)\s+(?:should|needs?\s+to|ought\s+to|has\s+to|have\s+to|gotta)\s+"
        r"(?:\w+\s+)?(?:(?:kill|shoot|stab|hang|lynch|beat|burn|bomb)\s+(?:him|her|them|(?:that|this|those)\s+\w+)\b"
        r"|put\s+(?:him|her|them|(?:that|this|those)\s+\w+)\s+in\s+the\s+ground|take\s+(?:him|her|them)\s+out"
        r"|run\s+(?:him|her|them)\s+over)"
        r"|\b(?:he|she|they|you|u|that\s+\w+)\s+deserves?\s+(?:a\s+)?(?:beating|bullet|to\s+(?:die|be\s+(?:shot|"
        r"killed|beaten|hanged|hung|raped|stabbed|burned|burnt)))")),
]


def threat(text: str) -> Hit | None:
    m = _FIRST_PERSON_HARM.search(text)
    verb = " ".join((m.group("verb") or m.group("give") or m.group("soft") or m.group("soft2") or "").split()) \
        if m else ""
    if m and not (verb in _CONTEST_VERBS and _CONTEST.search(text)):
        return Hit("THREAT", "high", "first-person-harm", m.group(0))
    for name, severity, pattern in _THREAT_RULES:
        if found := pattern.search(text):
            return Hit("THREAT", severity, name, found.group(0))
    return None


# --- HATE_SPEECH --------------------------------------------------------------------------------------------------

_GROUP_WORDS = (
    "women", "woman", "girls", "females", "men", "males", "immigrants?", "migrants?", "refugees?", "foreigners?",
    "asylum\\s+seekers?", "illegals", "muslims?", "islam", "jews?", "jewish\\s+people", "christians?", "catholics?",
    "hindus?", "sikhs?", "buddhists?", "atheists?", "mormons?", "gays", "homosexuals?", "lesbians?", "bisexuals?",
    "queers", "trans\\s+(?:people|women|men|kids|folks)", "transgenders?", "transgender\\s+people", "blacks",
    "whites", "asians?", "chinese", "japanese", "koreans?", "mexicans?", "hispanics?", "latinos?", "latinas?",
    "arabs?", "africans?", "indians?", "pakistanis?", "nigerians?", "somalis?", "turks?", "poles", "romanians?",
    "roma", "gypsies", "travellers", "travelers", "natives", "aboriginals?", "irish", "italians?", "russians?",
    "ukrainians?", "americans?", "brits", "germans?", "french", "palestinians?", "israelis?", "albanians?",
    "disabled", "cripples", "autistics?", "elderly", "boomers", "fat\\s+people", "poor\\s+people",
    "those\\s+people", "these\\s+people", "you\\s+people", "your\\s+(?:kind|people|lot)", "their\\s+kind",
    "that\\s+lot",
)
_GROUP_ADJ = ("non-binary", "nonbinary",
              "gay", "black", "white", "brown", "jewish", "muslim", "trans", "disabled", "autistic", "old", "fat",
              "foreign", "asian", "african", "indian", "chinese", "mexican", "arab", "polish", "deaf", "blind",
              "immigrant", "christian", "catholic", "hindu", "sikh", "native", "bisexual", "lesbian", "retarded")
_GROUP_NOUN = ("people", "folks", "men", "women", "kids", "children", "workers", "guys", "girls", "boys", "persons?",
               "teachers", "doctors", "parents", "students", "voters", "neighbou?rs",
               "person", "immigrants?", "families")
_GROUP = (rf"\b(?:(?:all|most|every|each|any|the|these|those)\s+)?(?:{_any(*_GROUP_WORDS)}"
          rf"|{_any(*_GROUP_ADJ)}\s+{_any(*_GROUP_NOUN)})\b")

_NEGATIVE = _any(
    "animals", "an\\s+animal", "beasts", "vermin", "rats", "a\\s+rat", "cockroaches", "roaches", "parasites",
    "a\\s+parasite", "leeches", "locusts", "insects", "pigs", "dogs", "apes", "monkeys", "savages", "a\\s+savage",
    "subhuman", "sub-human", "not\\s+(?:even\\s+)?(?:human|people|persons)", "less\\s+than\\s+human", "barbarians",
    "primitive", "(?:a\\s+)?disease(?:d)?", "(?:a\\s+)?cancer", "(?:a\\s+)?plague", "(?:a\\s+)?virus",
    "(?:an\\s+)?infestation", "(?:a\\s+)?poison", "filth", "filthy", "dirty", "trash", "garbage", "scum",
    "criminals", "thieves", "terrorists", "(?:a\\s+)?terrorist", "rapists", "murderers", "scammers", "groomers?",
    "(?:a\\s+)?groomer", "p(?:a)?edophiles?", "p(?:a)?edophile\\s+enablers", "perverts", "deviants", "degenerates",
    "(?:an\\s+)?abomination", "unnatural", "mentally\\s+ill", "sick", "inferior", "genetically\\s+inferior",
    "stupid", "too\\s+stupid", "dumb", "lazy", "useless", "worthless", "(?:a\\s+)?burden", "(?:a\\s+)?drain",
    "greedy", "liars", "drunks", "disgusting", "evil", "violent", "invaders", "breeders", "brainwashed",
    "bigots", "retard(?:ed|s)?", "broken", "defective", "too\\s+emotional", "property", "smelly", "stink",
    "(?:a\\s+)?threat\\s+to", "(?:the\\s+)?enemy", "cowards", "(?:a\\s+)?blight", "(?:a\\s+)?pest", "pests",
    "confused", "freaks", "sick\\s+in\\s+the\\s+head", "a\\s+mistake", "(?:a\\s+)?curse", "predators",
    "preying\\s+on", "drunk", "criminal", "thieving", "snakes", "parasitic", "invading", "(?:a\\s+)?danger\\s+to",
    "extremists", "a\\s+waste\\s+of\\s+(?:oxygen|space|air|skin)", "breeding\\s+machines", "thugs", "illegals",
    "soulless", "robots", "useless\\s+eaters", "sinners", "(?:the\\s+)?root\\s+of\\s+all\\s+evil",
    "lower\\s+form\\s+of\\s+life",
    "attention\\s+seekers", "(?:a\\s+)?mental\\s+disorder", "immoral", "here\\s+to\\s+(?:steal|rape|take)",
    "(?:basically|just|like)\\s+children", "incompatible",
)
_QUALIFIER = r"(?:\s+(?:all|just|nothing\s+but|basically|born|naturally|genetically|inherently|simply|always|only|"\
             r"clearly|literally|no\s+better\s+than|closer\s+to|like|such|so|really|truly|fundamentally|still|"\
             r"obviously|a\s+bunch\s+of|a\s+pack\s+of|a\s+race\s+of|every\s+single\s+one\s+of\s+them|"\
             r"all\s+of\s+them))*"
_VIOLENT_FATE = _any(
    "shot", "killed", "hanged", "hung", "gassed", "exterminated", "eradicated", "wiped\\s+out", "put\\s+down",
    "burned", "burnt", "lynched", "sterili[sz]ed", "sent\\s+(?:back\\s+)?to\\s+the\\s+(?:ovens|camps|gas)",
    "culled", "executed", "shot\\s+at\\s+the\\s+border",
)
_EXCLUSION = _any(
    "deported", "banned", "locked\\s+up", "jailed", "removed", "kicked\\s+out", "driven\\s+out", "sent\\s+back",
    "thrown\\s+out", "cured", "fixed", "segregated", "searched", "expelled", "rounded\\s+up", "treated\\s+like",
    "kept\\s+(?:out|away)", "fired",
)
_HATE_RULES: list[tuple[str, str, re.Pattern[str] | None, re.Pattern[str] | None]] = [
    # (name, severity, a pattern that starts at a group's name, a pattern searched anywhere)
    # "immigrants should be shot at the border", "disabled kids should be put down", "kill all the ..."
    ("group-violence", "critical", re.compile(
        rf"{_GROUP}\s+(?:\w+\s+)?(?:should|must|need\s+to|needs\s+to|ought\s+to|deserve\s+to|have\s+to|are\s+going\s+"
        rf"to|will)\s+(?:all\s+)?(?:be\s+)?(?:all\s+)?{_VIOLENT_FATE}"), re.compile(
        rf"\b(?:kill|gas|exterminate|shoot|hang|wipe\s+out|get\s+rid\s+of)\s+(?:all|every\s+(?:last|single)\s+one"
        rf"\s+of)\s+(?:the\s+|those\s+|these\s+)?{_GROUP}")),
    # "immigrants are vermin", "those people breed like rats", "Africans are closer to apes than to humans"
    ("group-dehumanised", "high", re.compile(
        rf"{_GROUP}(?:\s+who\s+\w+)?(?:\s+\w+)?\s+(?:are|r|is|were|remain){_QUALIFIER}\s+(?:a\s+|an\s+)?"
        rf"(?:(?!not\b|never\b|no\b|less\b)[\w,'-]+\s+){{0,4}}?{_NEGATIVE}\b"
        rf"|{_GROUP}\s*,?\s+(?:they'?re|they\s+are){_QUALIFIER}\s+(?:a\s+|an\s+)?(?:(?!not\b|never\b|no\b)"
        rf"[\w,'-]+\s+){{0,3}}?{_NEGATIVE}\b"
        rf"|{_GROUP}\s+(?:\w+\s+){{0,3}}?(?:look|looks|act|acts|smell|smells)\s+like\s+{_NEGATIVE}\b"
        rf"|{_GROUP}\s+(?:are\s+)?(?:behind|control|controls|run|runs|own|owns)\s+(?:every|all|the)\s+(?:\w+\s+)?"
        r"(?:wars?|media|banks?|world|government|money|economy)\b"
        rf"|{_GROUP}\s+(?:breed|multiply|live|act|behave)\s+like\s+(?:rats|rabbits|animals|cockroaches|vermin|"
        r"insects|pigs|dogs|savages)"
        rf"|{_GROUP}\s+(?:are\s+)?(?:\w+\s+)?(?:less|not\s+as)\s+(?:intelligent|evolved|civili[sz]ed|human|capable)"
        rf"|{_GROUP}\s+(?:who\s+\w+\s+)?(?:are\s+)?(?:ruin|ruins|ruining|infest|infesting|invade|invading|pollute|"
        r"polluting|poison|poisoning)\b"
        rf"|{_GROUP}\s+(?:all\s+)?(?:smell|stink)\b|{_GROUP}\s+(?:all\s+)?have\s+no\s+(?:morals|souls?|shame|culture|"
        r"brains?|honou?r)"), None),
    # "Muslims don't belong in civilised countries", "women don't deserve the right to vote", "go back to your
    # own country", "gay people shouldn't be allowed near children", "women belong in the kitchen"
    ("group-excluded", "medium", re.compile(
        rf"{_GROUP}\s+(?:\w+\s+)?(?:should|must|need\s+to|needs\s+to|ought\s+to|deserve\s+to|have\s+to)\s+"
        rf"(?:all\s+)?(?:be\s+)?(?:all\s+)?{_EXCLUSION}"
        rf"|{_GROUP}\s+(?:don'?t|do\s+not|doesn'?t|does\s+not|never)\s+(?:belong|deserve)"
        rf"|{_GROUP}\s+(?:[\w,']+\s+){{0,4}}?(?:should(?:n'?t|\s+not)|must\s+not|mustn'?t|can'?t|cannot)\s+be\s+"
        r"(?:allowed|trusted|let)"
        rf"|{_GROUP}\s+(?:should|must|belong)\s+(?:\w+\s+)?(?:stay\s+)?in\s+(?:the|their)\s+kitchen"
        rf"|{_GROUP}\s+(?:belong|belongs)\s+to\s+(?:men|us|their\s+husbands)"
        rf"|{_GROUP}\s+(?:are|is)\s+only\s+good\s+for"
        rf"|{_GROUP}\s+(?:\w+\s+)?(?:are\s+)?(?:taking\s+over|stealing\s+our|outnumber(?:ing)?\s+us)"), re.compile(
        r"\bgo\s+back\s+to\s+(?:your|ur|their)\s+(?:own\s+)?(?:country|countries|homeland|jungle|desert|cave|hut)"
        rf"|\bnobody\s+wants\s+(?:your|ur|their)\s+kind|\bget\s+rid\s+of\s+(?:all\s+)?(?:the\s+|those\s+|these\s+)?"
        rf"{_GROUP}|\bbefore\s+they\s+outnumber\s+us")),
]
# Talking *about* a hateful claim: "why some people say ...", "the senator condemned ...", "propaganda called ...",
# "not all Muslims are ...". Checked on the words before the match in the same sentence.
_REPORTED = re.compile(
    r"\b(?:why|how|whether)\s+(?:\w+\s+){0,3}(?:say|says|said|think|thinks|believe|believes|claim|claims|hate)\b"
    r"|\b(?:condemn\w*|denounc\w*|propaganda|called|calling|myth|stereotypes?|it'?s\s+(?:wrong|false|untrue|racist)"
    r"|isn'?t\s+true|not\s+true|(?:is|was)\s+(?:a\s+)?lie|nobody\s+should|no\s+one\s+should|never\s+say)\b"
    r"|\bnot\s+(?:all|every)?\s*$"
)
_SENTENCE_START = re.compile(r"[.!?]\s")
_WORD = re.compile(r"[a-z']+")


def _first_words(alternatives: tuple[str, ...]) -> set[str]:
    """The plain first word of each alternative ("immigrants?" -> immigrant, immigrants; "trans\\s+(...)" -> trans)."""
    words = set()
    for alt in alternatives:
        head = re.split(r"\\s|\(", alt)[0]
        words |= {head[:-2], head[:-1]} if head.endswith("s?") else {head}
    return words


# Where a group can be named: hate rules that start at a group's name are tried only at these words, which keeps
# them cheap (a search of the whole alternation at every position cost ~0.3 ms a message).
GROUP_FIRST_WORDS = frozenset(_first_words(_GROUP_WORDS) | {adj.split("-")[0] for adj in _GROUP_ADJ})


def hate_speech(text: str) -> Hit | None:
    starts = [m.start() for m in _WORD.finditer(text) if m.group(0) in GROUP_FIRST_WORDS]
    for name, severity, at_group, anywhere in _HATE_RULES:
        found = [m for pos in starts if at_group and (m := at_group.match(text, pos))]
        found += list(anywhere.finditer(text)) if anywhere else []
        for match in found:
            before = text[: match.start()]
            sentence_starts = [m.end() for m in _SENTENCE_START.finditer(before)]
            if _REPORTED.search(before[sentence_starts[-1] if sentence_starts else 0:]):
                continue
            return Hit("HATE_SPEECH", severity, name, match.group(0))
    return None


# --- SEXUAL_HARASSMENT --------------------------------------------------------------------------------------------

_BODY = _any("boobs", "tits", "titties", "breasts", "nipples", "ass", "arse", "butt", "booty", "bum", "pussy",
             "dick", "cock", "body", "legs", "thighs", "lips", "mouth", "chest", "feet", "curves", "cleavage")
_CLOTHES = _any("top", "shirt", "clothes", "bra", "panties", "knickers", "underwear", "dress", "skirt", "pants",
                "trousers", "bikini", "lingerie", "thong")
_SEXUAL_WORD = re.compile(
    r"\b(?:naked|nude|nudes|nudity|sex|sexy|sexual|sexually|sext|sexting|horny|boobs|tits|titties|breasts|nipples|"
    r"pussy|dick|cock|d\s+pic|cum|orgasm|moan\w*|lick|spank|grope|fondle|strip\w*|lingerie|underwear|panties|bra|"
    r"bikini|thong|virgin|porn\w*|bedroom|dirty\s+things|turn(?:s|ed)?\s+me\s+on|make\s+love|blowjob|bj|"
    r"hook\s+up|touching\s+myself|down\s+there|on\s+your\s+knees|hotel\s+room|my\s+bed|fuck)\b"
)
_SEXUAL_RULES: list[tuple[str, int, re.Pattern[str]]] = [
    # "send nudes", "send me pics of you in your bikini", "send me a video of you taking your clothes off"
    ("asks-for-sexual-images", 3, re.compile(
        r"\bsend\s+(?:me\s+)?(?:some\s+|more\s+)?nudes|\bsend\s+(?:me\s+)?(?:a\s+|some\s+|more\s+|ur\s+|your\s+)?"
        r"(?:pics?|pictures?|photos?|selfies?|videos?|vids?|snaps?|something)\b(?:\s+\w+){0,6}?\s+(?:naked|nude|"
        rf"sexy|topless|in\s+(?:the\s+|your\s+|ur\s+)?(?:shower|bath|bed|{_CLOTHES})|{_CLOTHES}\s+off|with\s+nothing"
        r"|without\s+(?:your\s+|ur\s+|any\s+)?(?:clothes|top|bra))\b|\brate\s+my\s+(?:d|dick|cock)\s+pic|\bdick\s+pic"
        r"|\bflash\s+me\b|\bsend\s+(?:me\s+)?(?:a\s+|some\s+|more\s+)?(?:sexy|naughty|spicy|hot|dirty|nude|naked)\s+"
        r"(?:pics?|pictures?|photos?|selfies?|videos?|vids?|snaps?)|\b(?:one|a|some|more|your|ur)\s+nudes?\b"
        r"|\b(?:pics?|pictures?|photos?|selfies?|videos?|vids?)\s+of\s+(?:your|ur)\s+(?:\w+\s+)?(?:boobs|tits|breasts|"
        r"nipples|ass|butt|booty|bum|pussy|dick|cock|body|chest|thighs|cleavage)\b")),
    # "show me your boobs", "take off your top", "get in the back seat and take your clothes off"
    ("orders-undressing", 3, re.compile(
        rf"\bshow\s+me\s+(?:your|ur|those|them|some)\s+(?:\w+\s+)?{_BODY}\b|\blet\s+me\s+see\s+(?:those|your|ur)\s+"
        rf"(?:\w+\s+)?{_BODY}\b|\b(?:take|pull|rip)\s+off\s+(?:your|ur|that|those)\s+(?:\w+\s+)?{_CLOTHES}\b"
        rf"|\b(?:take|get|pull|rip)\s+(?:your|ur|that|those)\s+(?:\w+\s+)?{_CLOTHES}\s+off\b|\bget\s+naked\b|\bstrip\s+for\s+me|\bprivate\s+dance|\blap\s+dance"
        r"|\b(?:lift|pull\s+up|raise|unbutton)\s+(?:your|ur)\s+(?:shirt|top|skirt|dress|blouse)\b"
        r"|\bdescribe\s+(?:your|ur)\s+(?:naked\s+)?body|\bsit\s+on\s+my\s+(?:lap|face)|\bwhat'?s\s+under\s+(?:that|your|ur)\s+\w+"
        r"|\bwhat\s+(?:are|r)\s+(?:you|u)\s+wearing\b(?!\s+(?:to|for|at|on|tomorrow|tonight)\b)|\b(?:what'?s|what\s+is)\s+(?:your|ur)\s+bra\s+size"
        r"|\bwhat\s+colou?r\s+(?:is|are)\s+(?:your|ur)\s+(?:underwear|panties|bra|knickers|thong)")),
    # "I want to lick every inch of your body", "let me touch you", "I'd bend you over that desk"
    ("wants-sexual-contact", 2, re.compile(
        r"\b(?:i\s+want\s+to|i\s+wanna|i'?d(?:\s+(?:love|like)\s+to)?|i\s+would(?:\s+(?:love|like)\s+to)?|let\s+me"
        r"|i'?m\s+going\s+to|i'?ll|i\s+will|i\s+could|i\s+keep|can'?t\s+stop|i\s+dreamed\s+about|imagine)"
        r"\s+(?:\w+\s+){0,2}?(?:lick|taste|touch|kiss|grope|fondle|spank|undress|feel|bend|ride|fuck|bang|screw|"
        r"imagin\w*|thinking\s+(?:of|about)|having\s+sex\s+with|sleep\s+with)\s+"
        r"(?:every\s+inch\s+of\s+|all\s+over\s+)?"
        rf"(?:{_YOU}\b(?!\s+(?:later|soon|tomorrow|at|in\s+(?:the|a)\s+(?:office|meeting)))|{_YOUR}\s+(?:\w+\s+)?"
        rf"{_BODY})|\b(?:to|with)\s+{_YOU}\s+in\s+(?:my\s+)?bed\b|\bwatch(?:ing|ed)?\s+{_YOU}\s+(?:change|undress|"
        r"shower|strip)|\bsatisfy\s+(?:you|u)\s+like\s+i|\b(?:touch|feel|squeeze|lick|kiss|grab|rub|stroke|bite)\s+"
        rf"(?:(?:that|those)\s+{_BODY}\s+of\s+yours|{_YOUR}\s+(?:\w+\s+)?(?:neck|thighs?|skin|waist|hips))"
        r"|\b(?:hands|mouth|lips|tongue)\s+all\s+over\s+(?:you|u|your|ur)\b|\bcome\s+to\s+my\s+(?:office|room|place|"
        r"hotel|house|car)\s+alone|\b(?:nicer|friendlier)\s+to\s+me\s+after\s+(?:hours|work)|\bsleep\s+with\s+me\b|\b(?:wanna|want\s+to|let'?s)\s+(?:sext|hook\s+up|get\s+naked|have\s+sex"
        r"|fuck|bang)|\bhave\s+sex\s+with\s+(?:you|u|me)\b|\bon\s+(?:your|ur)\s+knees\s+(?:in\s+front\s+of|for)\s+me"
        r"|\bbend\s+(?:you|u)\s+over\b|\bmoaning\s+my\s+name|\btouching\s+myself|\bi'?m\s+(?:so\s+)?hard\b"
        r"|\bhow\s+much\s+for\s+a\s+night|\b(?:wild|good|great)\s+in\s+bed|\bdirty\s+things\s+to\s+(?:you|u)"
        r"|\blet\s+me\s+be\s+(?:your|ur)\s+first|\b(?:are|r)\s+(?:you|u)\s+(?:still\s+)?a\s+virgin"
        r"|\bshave\s+down\s+there|\bgive\s+me\s+a\s+kiss|\bkiss\s+me\b|\bcome\s+over\s+and\s+(?:get|have)\s+"
        r"(?:naked|some\s+fun)|\byou\s+know\s+you\s+want\s+(?:it|me|this)")),
    # "your ass looked great in those jeans", "those shorts make me want to ...", "nice tits"
    ("remarks-on-body", 2, re.compile(
        rf"\b{_YOUR}\s+(?:\w+\s+)?(?:{_BODY}|{_CLOTHES})\s+(?:\w+\s+){{0,3}}?(?:looks?|looked|is|are|would|make|"
        r"makes|drives?|turns?)\s+(?:\w+\s+)?(?:great|amazing|hot|sexy|good|better|perfect|insane|delicious|tasty|"
        r"me\s+(?:want|crazy|wild|hard)|begging)|\b(?:nice|great|perfect|hot|sexy|huge|big)\s+(?:tits|boobs|ass|"
        r"butt|booty|rack|breasts|cleavage)\b|\b(?:those|that|your|ur)\s+(?:shorts|skirt|dress|jeans|leggings|top)"
        r"\s+(?:\w+\s+){0,2}?(?:make|makes|is|are)\s+(?:me\s+want|begging)|\bturn\s+around\s+again"
        r"|\bwear\s+(?:something\s+)?(?:less|tighter|shorter|smaller)\b|\basking\s+for\s+it\b.*\bdress\w*"
        rf"|\b{_YOUR}\s+(?:\w+\s+)?{_BODY}\s+(?:is|are)\s+(?:made|built)\s+for|\bwith\s+nothing\s+on\b"
        rf"|\b{_YOU}\s+(?:look|have|got)\s+(?:\w+\s+){{0,4}}?(?:a\s+)?porn\s*star"
        r"|\b(?:tight|hot|sexy|perfect|fit)\s+(?:little\s+)?body\b"
        r"|\b(?:you'?d|you\s+would|u\s+would|you'?ll)\s+look\s+(?:\w+\s+)?(?:better|good|great|hot|sexy|amazing)\s+"
        r"(?:naked|nude|topless|without\s+(?:\w+\s+)?(?:clothes|top|bra)|in\s+(?:my\s+bed|lingerie|a\s+thong))")),
]
# Words with no everyday reading: in a message addressed to the reader they make the label on their own.
_EXPLICIT_WORD = re.compile(
    r"\b(?:naked|nudes|topless|tits|titties|boobs|nipples|pussy|cock|boner|blowjob|threesome|slut|whore|"
    r"moan\w*|turned\s+on|turns\s+me\s+on|horny|panties|thong|sext\w*|porn\w*|orgasm|spank\s+(?:you|u|me)|sucking|"
    r"suck\s+(?:on|my)|fool\s+around|have\s+my\s+way\s+with|under\s+(?:that|your|ur)\s+(?:uniform|dress|skirt|"
    r"swimsuit|shirt|clothes|top)|tied\s+up\s+in\s+(?:my\s+)?bed|tie\s+(?:you|u)\s+up)\b"
)
# Pressure that turns a remark into harassment: a reward, a secret, no way out.
_COERCION = re.compile(
    r"\b(?:promot\w+|the\s+job\s+is\s+yours|raise|grades?|answers|nobody\s+will\s+know|no\s+one\s+(?:has\s+to|will)"
    r"\s+know|our\s+(?:little\s+)?secret|or\s+i'?ll|or\s+else|not\s+leaving|worth\s+your\s+while|i'?ll\s+pay"
    r"|i\s+will\s+pay|after\s+hours)\b"
)
# A question about one's own health: "is it safe to have sex during pregnancy?"
_HEALTH = re.compile(
    r"\b(?:doctor|clinic|symptoms?|normal|safe|pregnan\w*|condoms?|sti|stis|std|stds|vaccine|periods?|cramps|"
    r"screening|exam|contracept\w*|birth\s+control|ovulat\w*|fertility|puberty|consent|lube|testing|tested|"
    r"urologist|gyn\w*|infection|pain|precum|erectile)\b"
)
_DIRECTED = re.compile(rf"\b(?:{_YOU}|{_YOUR}|yours|yourself|babe|baby|sweetheart|sexy|darling|honey)\b")


def sexual_harassment(text: str) -> Hit | None:
    """Points: each matched rule adds its weight, pressure (_COERCION) adds 1, an explicit word (_EXPLICIT_WORD)
    addressed to the reader adds 2, else a sexual word addressed to the reader adds 1; 2 points make the label
    (medium), 3 high, 4 or more critical. A sexual-health question (health words, no rule matched) scores nothing."""
    points, first = 0, None
    for name, weight, pattern in _SEXUAL_RULES:
        if found := pattern.search(text):
            points += weight
            first = first or (name, found.group(0))
    if first is None and _HEALTH.search(text):
        return None
    directed = _DIRECTED.search(text)
    if directed and (explicit := _EXPLICIT_WORD.search(text)):
        points += 2
        first = first or ("explicit-word-to-reader", explicit.group(0))
    elif directed and (word := _SEXUAL_WORD.search(text)):
        points += 1
        first = first or ("sexual-word-to-reader", word.group(0))
    if points and _COERCION.search(text):
        points += 1
    if points < 2 or first is None:
        return None
    severity = "medium" if points == 2 else "high" if points == 3 else "critical"
    return Hit("SEXUAL_HARASSMENT", severity, first[0], first[1])


def find(text: str) -> list[Hit]:
    """Every harm found in `text`, which must already be normalised (lower case, folded)."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return [hit for hit in (threat(text), hate_speech(text), sexual_harassment(text)) if hit]
