#!/usr/bin/env python3
# Generates tokenizer_corpus.txt: >= 2,000 lines that exercise tokenizers
# (prose, code, many scripts, emoji, numbers, whitespace, special-token
# strings, decomposed text, invalid UTF-8). Deterministic. Run from tests/data/:
#   python3 tokenizer_corpus_gen.py > tokenizer_corpus.txt
import random
import sys

PROSE = [
    "The quick brown fox jumps over the lazy dog.",
    "It's a truth universally acknowledged, that a single man in possession of a good fortune must be in want of a wife.",
    "I'm sure they'll say we'd've done it if we'd known; you're right, they've tried.",
    "SHE'S HERE AND THEY'RE NOT. WE'LL SEE WHAT HE'D SAY IF I'M WRONG.",
    "Don't panic! Isn't it wonderful? Won't you come? Can't stop, shan't stop.",
    "In 1969, Apollo 11 landed on the Moon; Neil Armstrong's first words were heard by ~600 million people.",
    "Tokenizers split text into pieces: words, sub-words, bytes... and sometimes surprises.",
    "The café's crème brûlée was naïve, déjà vu, à la carte, résumé, coöperate, façade.",
    "Mr. O'Neill and Ms. D'Angelo met at 5:30 p.m. on Jan. 3rd (a Tuesday).",
    "\"Quoted text,\" she said, 'and single quotes' — with an em dash – and an en dash.",
    "Hello, world! Hello,world!Hello ,world ! hello WORLD HeLLo WoRlD",
    "camelCaseIdentifier snake_case_identifier SCREAMING_CASE kebab-case PascalCase",
    "e.g. i.e. etc. vs. a.m. p.m. U.S.A. Ph.D.",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.",
    "What's the weather like in San Francisco today? Use the get_weather tool.",
    "The model thinks step by step before answering the question carefully.",
    "ALL CAPS SENTENCE WITH NUMBERS 123 AND SYMBOLS #@!",
    "a b c d e f g h i j k l m n o p q r s t u v w x y z",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
    "The year 2024 had 366 days; 2023 had 365. Pi is about 3.14159265358979.",
]

CODE = [
    "def fibonacci(n: int) -> int:",
    "    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)",
    "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }",
    "#include <vector>",
    "std::unique_ptr<Tokenizer> tokenizer = Tokenizer::from_gguf(file).value();",
    "const x = await fetch(`https://example.com/api?q=${encodeURIComponent(query)}`);",
    "fn main() { let v: Vec<u32> = (0..10).map(|x| x * x).collect(); println!(\"{:?}\", v); }",
    "func (s *Server) Handle(w http.ResponseWriter, r *http.Request) error {",
    "SELECT id, name FROM users WHERE age >= 18 AND name LIKE '%smith%' ORDER BY id DESC;",
    "<div class=\"container\"><p id='x'>Hello &amp; welcome</p></div>",
    "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}",
    "if [[ -f \"$HOME/.bashrc\" ]]; then source ~/.bashrc; fi && echo $? | tee -a log.txt",
    "x = [i**2 for i in range(10) if i % 2 == 0]  # squares of even numbers",
    "public static void main(String[] args) throws IOException {",
    "    /* block comment */ // line comment",
    "\tindented_with_tab = True",
    "\t\tdouble_tab();",
    "        eight_spaces = 8",
    "a=b+c-d*e/f%g^h&i|j~k<l>m!n?o:p;q,r.s",
    "#!/usr/bin/env python3",
    "$ git commit -m \"Fix: handle CRLF\" && git push origin main",
    "lambda x: x if x else None",
    "matrix[i][j] += alpha * A[i][k] * B[k][j];",
    "```python",
    "```",
    "| col1 | col2 |\t|---|---|",
    "\\begin{equation} E = mc^2 \\end{equation} $\\frac{a}{b}$ \\alpha\\beta",
    "http://www.example.org/path/to/file.html?x=1&y=2#frag user@example.com",
    "0x1F 0b1010 0o777 1e-10 6.02e23 -42 +17 1_000_000",
    "::std::move(value)->field.method()?.other!!",
    "../../etc/passwd C:\\Windows\\System32\\drivers\\etc\\hosts",
]

SCRIPTS = [
    "你好，世界！今天天气很好。我们去公园散步吧。",
    "机器学习是人工智能的一个分支，它使计算机能够从数据中学习。",
    "日本語のテキスト：ひらがな、カタカナ、漢字が混ざっています。",
    "東京タワーは１９５８年に完成しました。",
    "안녕하세요, 세계! 한국어 텍스트입니다.",
    "مرحبا بالعالم! هذا نص عربي للاختبار.",
    "العدد ١٢٣٤٥٦٧٨٩٠ بالأرقام العربية الهندية",
    "שלום עולם! זהו טקסט בעברית.",
    "नमस्ते दुनिया! यह हिंदी में एक परीक्षण वाक्य है।",
    "हिन्दी संख्या: १२३४५",
    "สวัสดีชาวโลก นี่คือข้อความภาษาไทย",
    "Привет, мир! Это тест на русском языке. ЁЖИК ёжик",
    "Γειά σου Κόσμε! Αυτό είναι ελληνικό κείμενο. ΣΊΣΥΦΟΣ",
    "Ελληνικά και English και Русский μαζί",
    "Tiếng Việt có nhiều dấu: ắ ằ ẳ ẵ ặ ế ề ể ễ ệ",
    "Türkçe: İstanbul, ığdır, ŞEHİR, çiçek",
    "Polski: Zażółć gęślą jaźń. Čeština: Příliš žluťoučký kůň.",
    "ქართული ენა, Հայերեն լեզու, አማርኛ ቋንቋ",
    "தமிழ் மொழி, తెలుగు భాష, ಕನ್ನಡ, മലയാളം, বাংলা",
    "混合 mixed 文字 text テキスト 텍스트 نص текст",
    "𝓗𝓮𝓵𝓵𝓸 𝕎𝕠𝕣𝕝𝕕 𝟙𝟚𝟛 — mathematical alphanumerics",
    "𠀀𠀁𠀂 𪚥 extension-B ideographs",
    "ＦＵＬＬＷＩＤＴＨ ｌｅｔｔｅｒｓ ａｎｄ １２３ ｄｉｇｉｔｓ",
    "ｶﾀｶﾅ halfwidth katakana ｱｲｳｴｵ",
]

EMOJI = [
    "I love pizza 🍕 and tacos 🌮!",
    "Family: 👨‍👩‍👧‍👦 couple: 👩‍❤️‍👨 technologist: 👩🏽‍💻",
    "Thumbs 👍 👍🏻 👍🏼 👍🏽 👍🏾 👍🏿",
    "Flags 🇺🇸 🇫🇷 🇯🇵 🇩🇪 🏴󠁧󠁢󠁳󠁣󠁴󠁿",
    "Keycaps 1️⃣ 2️⃣ #️⃣ *️⃣ and ❤️ vs ❤ vs ♥︎",
    "😀😃😄😁😆😅😂🤣🥲☺️😊😇🙂🙃😉",
    "🏳️‍🌈 🏳️‍⚧️ 🧑‍🤝‍🧑 🐻‍❄️",
    "Symbols ✓ ✗ ★ ☆ ♠ ♣ ♥ ♦ → ← ↑ ↓ ∞ ≈ ≠ ≤ ≥ ± × ÷ ∑ ∏ √ ∫",
    "Currency $ € £ ¥ ₹ ₽ ₩ ₿ ¢",
    "Box ┌─┬─┐ │ │ ├─┼─┤ └─┴─┘ ░▒▓█",
]

NUMBERS = [
    "1234567890", "12345678901234567890", "3.14159265358979323846", "1,000,000.00", "-0.0001",
    "2024-01-15T12:30:45Z", "+1 (555) 123-4567", "192.168.0.1:8080", "v1.2.3-beta.4", "10%", "$19.99",
    "1/2 3/4 ½ ¼ ¾", "x² + y² = z²", "Ⅻ Ⅷ ⅳ", "①②③", "٣٤٥", "१२३", "１２３４５", "0", "00000000",
    "9" * 40, "1 2 3 4 5 6 7 8 9 10", "1st 2nd 3rd 4th", "1.5e-3 2.0E+10", "0xDEADBEEF",
]

SPECIALS = [
    "<|im_start|>", "<|im_end|>", "<think>", "</think>", "<|endoftext|>", "<s>", "</s>", "<unk>",
    "<pad>", "<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>", "<|begin_of_text|>", "<|end_of_text|>",
    "<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>", "<|start|>", "<|end|>", "<|message|>",
    "<|channel|>", "<|return|>", "<|call|>", "<|constrain|>", "<｜begin▁of▁sentence｜>",
    "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>", "<tool_call>", "</tool_call>",
    "<|fim_prefix|>", "<|vision_start|>", "<start_of_image>", "<0x41>", "<0xFF>", "<mask>",
]

SPECIAL_TEMPLATES = [
    "{0}system\nYou are a helpful assistant.{1}",
    "{0}user{1}",
    "Hello{0}world",
    "{0}{0}{1}{1}",
    " {0} ",
    "text before {0}text after",
    "<{0}>",
    "{0}{1}assistant",
    "prefix{0}",
    "{0}suffix",
]

WHITESPACE = [
    "", " ", "  ", "   ", "    word", "word    ", "  two  spaces  between  ", "\t", "\t\t\tthree tabs",
    "a\tb\tc", " \t \t mixed", "line with trailing space ", "nbsp\u00a0here", "thin\u2009space\u200ahair",
    "ideographic\u3000space", "en\u2002em\u2003figure\u2007", "nel\u0085char", "ogham\u1680space",
    "mongolian\u180evowel", "zero\u200bwidth\u200cnon\u200djoiner", "line\u2028sep para\u2029sep",
    "narrow\u202fnbsp math\u205fspace", "bom\ufeffinside", "word\rCR inside", "ends with CR\r",
    "\r", "\r\r", " \r", "\r ", "x" + " " * 40 + "y", " " * 17, "\t" * 9, "\u00a0" * 5,
    "soft\u00adhyphen", "\x01\x02\x03 control \x7f del", "bell\x07 escape\x1b[31mred\x1b[0m", "vertical\x0btab",
    "form\x0cfeed", "nul\x00byte",
]

DECOMPOSED = [
    "e\u0301 a\u0300 o\u0302 u\u0308 n\u0303 c\u0327",
    "cafe\u0301 nai\u0308ve re\u0301sume\u0301",
    "\u1100\u1161\u11a8 \u1112\u1161\u11ab\u1100\u1173\u11af",
    "a\u0323\u0307 a\u0307\u0323 q\u0307\u0323",
    "\u212b \u2126 \u212a Angstrom Ohm Kelvin signs",
    "\u0344 \u0340\u0341 \u0374 \u037e \u0387",
    "\u0915\u093c \u0916\u093c \u0917\u093c",
    "\u05e9\u05c1 \u05e9\u05c2 \u05d1\u05bc",
    "A\u030a vs \u00c5 vs \u212b",
    "\u1e9b\u0323 long s with dots",
    "s\u0323\u0307 d\u0307\u0323",
    "\u00e9\u0301 already composed plus mark",
    "\u0061\u0328\u0301 \u0105\u0301",
    "\u3099\u309a alone, \u304b\u3099 \u30cf\u309a",
    "\U0001d15e\U0001d165 musical symbols",
    "\u0f73 \u0f75 \u0f81 tibetan vowels",
    "\u2581already has the space marker\u2581\u2581",
    "\u0120G-dot \u010a C-dot byte-level look-alikes",
]

INVALID = [
    b"lone continuation \x80 byte",
    b"truncated two-byte \xc3",
    b"truncated three-byte \xe4\xb8 end",
    b"truncated four-byte \xf0\x9f\x98 end",
    b"overlong \xc0\xaf slash",
    b"surrogate \xed\xa0\x80 half",
    b"out of range \xf5\x80\x80\x80 and \xff\xfe",
    b"\xff",
    b"\x80\x81\x82\x83",
    b"valid \xe2\x82\xac then invalid \xe2\x82 then valid \xe2\x82\xac",
    b"<|im_start|>\xc3<|im_end|>",
    b"caf\xc3\xa9 caf\xe9 latin-1",
    b"\xf4\x90\x80\x80 above U+10FFFF",
    b"mixed \xe6\x97\xa5\xe6\x9c\xac \xe6\x97 \xa5",
]

LONG = [
    "a" * 3000,
    " " * 2000 + "end",
    "ab" * 1500,
    "1234567890" * 200,
    "!" * 1000,
    "word " * 400,
    "日本" * 500,
    "🙂" * 300,
    "\t " * 500,
    "é" * 800,
]


def chat_lines(rng):
    roles = ["system", "user", "assistant", "tool"]
    out = []
    for _ in range(60):
        role = rng.choice(roles)
        body = rng.choice(PROSE + CODE + SCRIPTS + EMOJI)
        start, end = rng.choice([("<|im_start|>", "<|im_end|>"), ("<start_of_turn>", "<end_of_turn>"),
                                 ("<|start_header_id|>", "<|eot_id|>"), ("<|start|>", "<|end|>")])
        out.append(f"{start}{role}{rng.choice(['', ' ', chr(9)])}{body}{end}")
        out.append(f"<think>{rng.choice(PROSE)}</think>{rng.choice(PROSE)}")
    return out


def variants(line):
    return [line, line.lower(), line.upper(), line.title(), " " + line, line + "  ", "\t" + line, line + "\r",
            line.replace(" ", "  "), line.replace(" ", "\t")]


def main():
    rng = random.Random(20240607)
    lines = []
    for sentence in PROSE:
        lines.extend(variants(sentence))
    for code in CODE:
        lines.extend([code, code + "\r", "    " + code, code.replace("    ", "\t")])
    for text in SCRIPTS:
        lines.extend([text, " " + text, text.replace(" ", ""), text + " " + rng.choice(PROSE)])
    for text in EMOJI:
        lines.extend([text, text.replace(" ", ""), " " + text + " "])
    for number in NUMBERS:
        lines.extend([number, " " + number, "x" + number + "y", number + " apples", "(" + number + ")"])
    for template in SPECIAL_TEMPLATES:
        for _ in range(8):
            a, b = rng.choice(SPECIALS), rng.choice(SPECIALS)
            lines.append(template.format(a, b).replace("\n", " "))
    for special in SPECIALS:
        lines.extend([special, " " + special, special[:-1], special[1:], special.upper(), "x" + special + "y"])
    lines.extend(WHITESPACE)
    lines.extend(DECOMPOSED)
    lines.extend(chat_lines(rng))
    lines.extend(LONG)
    pool = PROSE + CODE + SCRIPTS + EMOJI + NUMBERS + SPECIALS + WHITESPACE + DECOMPOSED
    while len(lines) < 2100:
        count = rng.randint(2, 5)
        glue = rng.choice(["", " ", "  ", "\t", ", ", " | "])
        lines.append(glue.join(rng.choice(pool) for _ in range(count)))
    out = sys.stdout.buffer
    for index, line in enumerate(lines):
        assert "\n" not in line, line
        out.write(line.encode("utf-8", "surrogatepass") + b"\n")
        if index % 150 == 0:
            out.write(INVALID[(index // 150) % len(INVALID)] + b"\n")
    for raw in INVALID:
        out.write(raw + b"\n")


if __name__ == "__main__":
    main()
