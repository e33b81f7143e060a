package sms

import "strings"

// text is what replies say, in one language. {1} and {2} are filled in.
type text struct {
	near     string // the first line of results: "Near {1}:"
	until    string // open now, closing at {1}
	open     string // open now, not closing within a week
	today    string // closed now, open today from {1} to {2}
	opens    string // closed now, opening on day {1} at {2}
	closed   string // closed the coming week
	area     string // after a confidential site's name: only its area is known
	more     string // the last line when there may be more
	none     string // nothing matched near {1}
	noMore   string // "more" after the last result
	notFound string // the place {1} could not be found; {2} is an example message
	usage    string // a message with no place; {1} is an example message
	help     string // {1} is an example message
	first    string // "more" with no search before it; {1} is an example message
	need     string // the need word of the example, in capitals where the script has them
	days     [7]string
	// short are until, today and opens for the compact replies of UCS-2 languages: open now
	// until {1}; today's hours {1}-{2} without the word "today" (a range is today's, a day
	// and a time is the next opening); day {1} at {2}. Empty: the long form.
	short struct{ until, today, opens string }
}

// texts are the replies in each language of Languages. Latin-script replies are written in
// GSM-7 characters where the language allows (the reply is folded to GSM-7 anyway).
var texts = map[string]text{
	"en": {
		near: "Near {1}:", until: "open until {1}", open: "open now", today: "today {1}-{2}", opens: "opens {1} {2}",
		closed: "closed", area: "area only, call", more: "MORE for 3 more",
		none:     "Nothing found near {1}. Try another need or place, or HELP.",
		noMore:   "No more places. Send a need and a place.",
		notFound: "Could not find \"{1}\". Send a postal code or street address, e.g. {2}",
		usage:    "Send what you need and where, e.g. {1}. HELP for help.",
		help:     "Text a need and a place: {1}. Needs: food, meal, bed, shower, clinic, clothes, legal. Add NOW for places open now. MORE for 3 more. Messages are not kept.",
		first:    "Send a place first, e.g. {1}",
		need:     "FOOD",
		days:     [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
	},
	"fr": {
		near: "Près de {1} :", until: "ouvert jusqu'à {1}", open: "ouvert", today: "auj. {1}-{2}", opens: "ouvre {1} {2}",
		closed: "fermé", area: "zone seulement, appelez", more: "PLUS pour 3 de plus",
		none:     "Rien trouvé près de {1}. Essayez un autre besoin ou lieu, ou AIDE.",
		noMore:   "Plus rien. Envoyez un besoin et un lieu.",
		notFound: "Lieu introuvable : \"{1}\". Envoyez un code postal ou une adresse, ex. {2}",
		usage:    "Envoyez votre besoin et un lieu, ex. {1}. AIDE pour l'aide.",
		help:     "Envoyez un besoin et un lieu : {1}. Besoins : nourriture, repas, lit, douche, clinique, vetements. MAINTENANT pour les lieux ouverts. PLUS pour 3 de plus. Rien n'est garde.",
		first:    "Envoyez d'abord un lieu, ex. {1}",
		need:     "NOURRITURE",
		days:     [7]string{"dim", "lun", "mar", "mer", "jeu", "ven", "sam"},
	},
	"es": {
		near: "Cerca de {1}:", until: "abierto hasta {1}", open: "abierto", today: "hoy {1}-{2}", opens: "abre {1} {2}",
		closed: "cerrado", area: "solo zona, llame", more: "MAS para 3 mas",
		none:     "Nada cerca de {1}. Pruebe otra necesidad o lugar, o AYUDA.",
		noMore:   "No hay mas. Envie una necesidad y un lugar.",
		notFound: "No encontramos \"{1}\". Envie un codigo postal o direccion, ej. {2}",
		usage:    "Envie lo que necesita y donde, ej. {1}. AYUDA para ayuda.",
		help:     "Envie una necesidad y un lugar: {1}. Necesidades: comida, cama, ducha, clinica, ropa. AHORA para lugares abiertos. MAS para 3 mas. No guardamos mensajes.",
		first:    "Envie primero un lugar, ej. {1}",
		need:     "COMIDA",
		days:     [7]string{"dom", "lun", "mar", "mie", "jue", "vie", "sab"},
	},
	"ar": {
		near: "قرب {1}:", until: "مفتوح حتى {1}", open: "مفتوح الآن", today: "اليوم {1}-{2}", opens: "يفتح {1} {2}",
		closed: "مغلق", area: "المنطقة فقط، اتصل", more: "المزيد: 3 أخرى",
		none:     "لا شيء قرب {1}. جرّب حاجة أو مكانا آخر.",
		noMore:   "لا مزيد. أرسل حاجة ومكانا.",
		notFound: "لم نجد \"{1}\". أرسل رمزا بريديا أو عنوانا، مثل {2}",
		usage:    "أرسل ما تحتاجه وأين، مثل {1}. مساعدة للتعليمات.",
		help:     "أرسل حاجة ومكانا: {1}. طعام، سرير، استحمام، عيادة، ملابس. الآن للمفتوح. المزيد لـ3 أخرى. لا نحفظ الرسائل.",
		first:    "أرسل مكانا أولا، مثل {1}",
		need:     "طعام",
		days:     [7]string{"أحد", "إثنين", "ثلاثاء", "أربعاء", "خميس", "جمعة", "سبت"},
		short:    struct{ until, today, opens string }{"حتى {1}", "{1}-{2}", "{1} {2}"},
	},
	"fa": {
		near: "نزدیک {1}:", until: "باز تا {1}", open: "اکنون باز", today: "امروز {1}-{2}", opens: "باز {1} {2}",
		closed: "بسته", area: "فقط محدوده، تماس بگیرید", more: "بیشتر: 3 مورد دیگر",
		none:     "چیزی نزدیک {1} نیست. نیاز یا مکان دیگری بفرستید.",
		noMore:   "مورد دیگری نیست. نیاز و مکان بفرستید.",
		notFound: "«{1}» پیدا نشد. کد پستی یا نشانی بفرستید، مثل {2}",
		usage:    "نیاز و مکان را بفرستید، مثل {1}. کمک برای راهنما.",
		help:     "نیاز و مکان بفرستید: {1}. غذا، تخت، حمام، درمانگاه، لباس. الان برای باز. بیشتر برای 3 مورد دیگر. پیام‌ها نگه داشته نمی‌شوند.",
		first:    "اول یک مکان بفرستید، مثل {1}",
		need:     "غذا",
		days:     [7]string{"یکشنبه", "دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه"},
		short:    struct{ until, today, opens string }{"تا {1}", "{1}-{2}", "{1} {2}"},
	},
	"uk": {
		near: "Біля {1}:", until: "відкрито до {1}", open: "відкрито", today: "сьогодні {1}-{2}", opens: "відкр. {1} {2}",
		closed: "зачинено", area: "лише район, дзвоніть", more: "ЩЕ: ще 3",
		none:     "Нічого біля {1}. Спробуйте інше або ДОПОМОГА.",
		noMore:   "Більше немає. Надішліть потребу й місце.",
		notFound: "Не знайдено «{1}». Надішліть поштовий код чи адресу, напр. {2}",
		usage:    "Надішліть потребу й місце, напр. {1}. ДОПОМОГА — довідка.",
		help:     "Потреба й місце: {1}. Їжа, ліжко, душ, клініка, одяг. ЗАРАЗ — відкриті. ЩЕ — ще 3. Повідомлення не зберігаємо.",
		first:    "Спершу надішліть місце, напр. {1}",
		need:     "ЇЖА",
		days:     [7]string{"нд", "пн", "вт", "ср", "чт", "пт", "сб"},
		short:    struct{ until, today, opens string }{"до {1}", "{1}-{2}", "{1} {2}"},
	},
	"zh": {
		near: "{1}附近：", until: "营业至{1}", open: "营业中", today: "今天{1}-{2}", opens: "{1} {2}开门",
		closed: "已关闭", area: "仅显示区域，请致电", more: "回复“更多”再看3个",
		none:     "{1}附近没有找到。请换个需求或地点，或回复“帮助”。",
		noMore:   "没有更多了。请发送需求和地点。",
		notFound: "找不到“{1}”。请发送邮编或地址，如 {2}",
		usage:    "请发送需求和地点，如 {1}。回复“帮助”获取说明。",
		help:     "发送需求和地点：{1}。需求：食物、床位、洗澡、诊所、衣服。加“现在”只看营业中。“更多”再看3个。我们不保存短信。",
		first:    "请先发送地点，如 {1}",
		need:     "食物",
		days:     [7]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"},
		short:    struct{ until, today, opens string }{"至{1}", "{1}-{2}", "{1}{2}点"},
	},
	"pa": {
		near: "{1} ਨੇੜੇ:", until: "{1} ਤੱਕ ਖੁੱਲ੍ਹਾ", open: "ਹੁਣ ਖੁੱਲ੍ਹਾ", today: "ਅੱਜ {1}-{2}", opens: "{1} {2} ਖੁੱਲ੍ਹੇਗਾ",
		closed: "ਬੰਦ", area: "ਸਿਰਫ਼ ਇਲਾਕਾ, ਫ਼ੋਨ ਕਰੋ", more: "ਹੋਰ: 3 ਹੋਰ",
		none:     "{1} ਨੇੜੇ ਕੁਝ ਨਹੀਂ ਮਿਲਿਆ। ਕੁਝ ਹੋਰ ਭੇਜੋ।",
		noMore:   "ਹੋਰ ਨਹੀਂ। ਲੋੜ ਅਤੇ ਥਾਂ ਭੇਜੋ।",
		notFound: "\"{1}\" ਨਹੀਂ ਮਿਲਿਆ। ਡਾਕ ਕੋਡ ਜਾਂ ਪਤਾ ਭੇਜੋ, ਜਿਵੇਂ {2}",
		usage:    "ਲੋੜ ਅਤੇ ਥਾਂ ਭੇਜੋ, ਜਿਵੇਂ {1}। ਮਦਦ ਲਈ: ਮਦਦ",
		help:     "ਲੋੜ ਅਤੇ ਥਾਂ ਭੇਜੋ: {1}। ਭੋਜਨ, ਬਿਸਤਰਾ, ਨਹਾਉਣਾ, ਕਲੀਨਿਕ। ਹੁਣ: ਖੁੱਲ੍ਹੇ। ਹੋਰ: 3 ਹੋਰ। ਸੁਨੇਹੇ ਨਹੀਂ ਰੱਖਦੇ।",
		first:    "ਪਹਿਲਾਂ ਥਾਂ ਭੇਜੋ, ਜਿਵੇਂ {1}",
		need:     "ਭੋਜਨ",
		days:     [7]string{"ਐਤ", "ਸੋਮ", "ਮੰਗਲ", "ਬੁੱਧ", "ਵੀਰ", "ਸ਼ੁੱਕਰ", "ਸ਼ਨਿੱਚਰ"},
		short:    struct{ until, today, opens string }{"{1} ਤੱਕ", "{1}-{2}", "{1} {2}"},
	},
	"tl": {
		near: "Malapit sa {1}:", until: "bukas hanggang {1}", open: "bukas ngayon", today: "ngayon {1}-{2}", opens: "bubukas {1} {2}",
		closed: "sarado", area: "lugar lang, tumawag", more: "HIGIT para sa 3 pa",
		none:     "Walang nakita malapit sa {1}. Subukan ang iba, o TULONG.",
		noMore:   "Wala nang iba. Magpadala ng kailangan at lugar.",
		notFound: "Hindi nakita ang \"{1}\". Magpadala ng postal code o address, hal. {2}",
		usage:    "I-text ang kailangan at lugar, hal. {1}. TULONG para sa tulong.",
		help:     "I-text ang kailangan at lugar: {1}. Kailangan: pagkain, kama, paliguan, klinika, damit. NGAYON para sa bukas ngayon. HIGIT para sa 3 pa. Hindi namin itinatago ang mensahe.",
		first:    "Magpadala muna ng lugar, hal. {1}",
		need:     "PAGKAIN",
		days:     [7]string{"Lin", "Lun", "Mar", "Miy", "Huw", "Biy", "Sab"},
	},
	"ko": {
		near: "{1} 근처:", until: "{1}까지 영업", open: "영업 중", today: "오늘 {1}-{2}", opens: "{1} {2} 영업",
		closed: "휴무", area: "지역만 표시, 전화 문의", more: "더보기: 3곳 더",
		none:     "{1} 근처에 없습니다. 다른 것을 보내 보세요.",
		noMore:   "더 없습니다. 필요한 것과 장소를 보내세요.",
		notFound: "\"{1}\"을(를) 찾을 수 없습니다. 우편번호나 주소를 보내세요. 예: {2}",
		usage:    "필요한 것과 장소를 보내세요. 예: {1}. 도움말: 도움말",
		help:     "필요한 것과 장소: {1}. 음식, 침대, 샤워, 진료소, 옷. 지금: 영업 중만. 더보기: 3곳 더. 메시지는 저장하지 않습니다.",
		first:    "먼저 장소를 보내세요. 예: {1}",
		need:     "음식",
		days:     [7]string{"일", "월", "화", "수", "목", "금", "토"},
		short:    struct{ until, today, opens string }{"~{1}", "{1}-{2}", "{1} {2}"},
	},
}

// fill puts args in place of {1}, {2}.
func fill(tmpl string, args ...string) string {
	for i, a := range args {
		tmpl = strings.Replace(tmpl, "{"+string(rune('1'+i))+"}", a, 1)
	}
	return tmpl
}

// latin are the languages whose replies are folded to GSM-7.
var latin = map[string]bool{"en": true, "fr": true, "es": true, "tl": true}

// gsmFold replaces the characters of s that GSM-7 lacks with the nearest it has (á → a,
// ç → c, ’ → '), so a Latin-script reply takes GSM-7's 160 characters a segment instead of
// UCS-2's 70. Characters with no near equivalent are kept (the reply is then UCS-2).
func gsmFold(s string) string {
	if IsGSM(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if septets(r) > 0 {
			b.WriteRune(r)
			continue
		}
		if repl, ok := gsmNear[r]; ok {
			b.WriteString(repl)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

var gsmNear = func() map[rune]string {
	m := map[rune]string{
		'’': "'", '‘': "'", '“': "\"", '”': "\"", '«': "\"", '»': "\"", '–': "-", '—': "-", '…': "...",
		'\t': " ", '\u00a0': " ", 'ß': "ss",
	}
	pairs := []string{
		"áàâäãå", "a", "ÁÀÂÃ", "A", "çć", "c", "ëêè", "e", "ÊËÈ", "E", "íîïì", "i", "ÍÎÏÌ", "I",
		"óôõò", "o", "ÓÔÕÒ", "O", "úûù", "u", "ÚÛÙ", "U", "ýÿ", "y", "ñ", "n", "œ", "oe", "Œ", "OE",
	}
	for i := 0; i < len(pairs); i += 2 {
		for _, r := range pairs[i] {
			m[r] = pairs[i+1]
		}
	}
	return m
}()
