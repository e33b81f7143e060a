package sms

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aidmap/aidmap"
)

// Languages are the languages of the map page (web/static/i18n), in the order a reply falls
// back through: English first.
var Languages = []string{"en", "fr", "es", "ar", "fa", "uk", "zh", "pa", "tl", "ko"}

// kind is what a word of a message means.
type kind uint8

const (
	kindNeed  kind = iota + 1 // a need: its categories
	kindOpen                  // "now", "open": only places open now
	kindHelp                  // the whole message asks for instructions
	kindMore                  // the whole message asks for the next results
	kindFill                  // a word around a place ("near", "at"): dropped before the place
	kindHello                 // a greeting: says which language the person writes
)

// word is one entry of the vocabulary.
type word struct {
	kind  kind
	cats  aidmap.CategorySet
	langs []string
}

func cats(cs ...aidmap.Category) aidmap.CategorySet { return aidmap.NewCategorySet(cs...) }

// Needs people text, as groups of categories.
var (
	needFood     = cats(aidmap.CategoryFoodBank, aidmap.CategoryFreeMeal, aidmap.CategoryCommunityKitchen)
	needMeal     = cats(aidmap.CategoryFreeMeal, aidmap.CategoryCommunityKitchen)
	needBed      = cats(aidmap.CategoryShelter)
	needWarm     = cats(aidmap.CategoryWarmingCentre)
	needShower   = cats(aidmap.CategoryHygiene)
	needClinic   = cats(aidmap.CategoryClinic)
	needMental   = cats(aidmap.CategoryMentalHealth)
	needLegal    = cats(aidmap.CategoryLegalAid)
	needClothes  = cats(aidmap.CategoryClothing)
	needNewcomer = cats(aidmap.CategoryNewcomer)
	needDropIn   = cats(aidmap.CategoryDropIn)
	needGrocery  = cats(aidmap.CategoryGrocery)
	needOutreach = cats(aidmap.CategoryOutreach)
)

// categoryLabels are the map page's category labels (web/static/i18n/*.json, "cat.*"), so
// that what a person read on the page is understood by text too. A test in web checks them
// against the page's files.
var categoryLabels = map[string]map[aidmap.Category]string{
	"en": {"food_bank": "Food bank", "free_meal": "Free meal", "community_kitchen": "Community kitchen", "grocery": "Grocery or market", "shelter": "Shelter", "drop_in": "Drop-in", "outreach": "Outreach", "hygiene": "Hygiene and showers", "clinic": "Clinic", "mental_health": "Mental health", "legal_aid": "Legal aid", "newcomer": "Newcomers", "warming_centre": "Warming or cooling centre", "clothing": "Clothing", "other": "Other"},
	"fr": {"food_bank": "Banque alimentaire", "free_meal": "Repas gratuit", "community_kitchen": "Cuisine communautaire", "grocery": "Épicerie ou marché", "shelter": "Hébergement", "drop_in": "Centre de jour", "outreach": "Travail de rue", "hygiene": "Hygiène et douches", "clinic": "Clinique", "mental_health": "Santé mentale", "legal_aid": "Aide juridique", "newcomer": "Nouveaux arrivants", "warming_centre": "Halte-chaleur ou fraîcheur", "clothing": "Vêtements", "other": "Autre"},
	"es": {"food_bank": "Banco de alimentos", "free_meal": "Comida gratis", "community_kitchen": "Cocina comunitaria", "grocery": "Tienda o mercado", "shelter": "Albergue", "drop_in": "Centro de día", "outreach": "Ayuda en la calle", "hygiene": "Higiene y duchas", "clinic": "Clínica", "mental_health": "Salud mental", "legal_aid": "Asistencia legal", "newcomer": "Recién llegados", "warming_centre": "Refugio de calor o frío", "clothing": "Ropa", "other": "Otro"},
	"ar": {"food_bank": "بنك طعام", "free_meal": "وجبة مجانية", "community_kitchen": "مطبخ مجتمعي", "grocery": "بقالة أو سوق", "shelter": "مأوى", "drop_in": "مركز استقبال نهاري", "outreach": "فرق ميدانية", "hygiene": "نظافة واستحمام", "clinic": "عيادة", "mental_health": "الصحة النفسية", "legal_aid": "مساعدة قانونية", "newcomer": "القادمون الجدد", "warming_centre": "مركز تدفئة أو تبريد", "clothing": "ملابس", "other": "أخرى"},
	"fa": {"food_bank": "بانک غذا", "free_meal": "غذای رایگان", "community_kitchen": "آشپزخانهٔ محلی", "grocery": "خواربارفروشی یا بازار", "shelter": "سرپناه", "drop_in": "مرکز روزانه", "outreach": "کمک در خیابان", "hygiene": "بهداشت و حمام", "clinic": "درمانگاه", "mental_health": "سلامت روان", "legal_aid": "کمک حقوقی", "newcomer": "تازه\u200cواردان", "warming_centre": "مرکز گرمایش یا سرمایش", "clothing": "پوشاک", "other": "سایر"},
	"uk": {"food_bank": "Продовольчий банк", "free_meal": "Безкоштовне харчування", "community_kitchen": "Громадська кухня", "grocery": "Продукти або ринок", "shelter": "Притулок", "drop_in": "Денний центр", "outreach": "Вулична допомога", "hygiene": "Гігієна та душ", "clinic": "Клініка", "mental_health": "Психічне здоров’я", "legal_aid": "Юридична допомога", "newcomer": "Новоприбулі", "warming_centre": "Пункт обігріву або охолодження", "clothing": "Одяг", "other": "Інше"},
	"zh": {"food_bank": "食物银行", "free_meal": "免费餐食", "community_kitchen": "社区厨房", "grocery": "杂货店或市场", "shelter": "庇护所", "drop_in": "日间中心", "outreach": "外展服务", "hygiene": "卫生和淋浴", "clinic": "诊所", "mental_health": "心理健康", "legal_aid": "法律援助", "newcomer": "新移民", "warming_centre": "取暖或避暑中心", "clothing": "衣物", "other": "其他"},
	"pa": {"food_bank": "ਫੂਡ ਬੈਂਕ", "free_meal": "ਮੁਫ਼ਤ ਖਾਣਾ", "community_kitchen": "ਸਾਂਝੀ ਰਸੋਈ", "grocery": "ਕਰਿਆਨਾ ਜਾਂ ਮੰਡੀ", "shelter": "ਆਸਰਾ", "drop_in": "ਦਿਨ ਵੇਲੇ ਦਾ ਕੇਂਦਰ", "outreach": "ਗਲੀ ਵਿੱਚ ਮਦਦ", "hygiene": "ਸਫ਼ਾਈ ਅਤੇ ਨਹਾਉਣਾ", "clinic": "ਕਲੀਨਿਕ", "mental_health": "ਮਾਨਸਿਕ ਸਿਹਤ", "legal_aid": "ਕਾਨੂੰਨੀ ਮਦਦ", "newcomer": "ਨਵੇਂ ਆਏ ਲੋਕ", "warming_centre": "ਨਿੱਘ ਜਾਂ ਠੰਢਕ ਕੇਂਦਰ", "clothing": "ਕੱਪੜੇ", "other": "ਹੋਰ"},
	"tl": {"food_bank": "Food bank", "free_meal": "Libreng pagkain", "community_kitchen": "Kusina ng komunidad", "grocery": "Grocery o palengke", "shelter": "Silungan", "drop_in": "Drop-in center", "outreach": "Tulong sa kalye", "hygiene": "Kalinisan at paliguan", "clinic": "Klinika", "mental_health": "Kalusugang pangkaisipan", "legal_aid": "Tulong legal", "newcomer": "Mga bagong dating", "warming_centre": "Lugar pampainit o pampalamig", "clothing": "Damit", "other": "Iba pa"},
	"ko": {"food_bank": "푸드뱅크", "free_meal": "무료 식사", "community_kitchen": "공동체 부엌", "grocery": "식료품점 또는 시장", "shelter": "쉼터", "drop_in": "주간 센터", "outreach": "거리 지원", "hygiene": "위생 및 샤워", "clinic": "진료소", "mental_health": "정신 건강", "legal_aid": "법률 지원", "newcomer": "새 이민자", "warming_centre": "난방 또는 냉방 쉼터", "clothing": "의류", "other": "기타"},
}

// CategoryLabels returns the page's label of each category in lang, as this package knows
// them (for the test that keeps them in step with web/static/i18n).
func CategoryLabels(lang string) map[aidmap.Category]string { return categoryLabels[lang] }

// synonyms are the words people text for a need, beyond the page's labels, lower case. Words
// of several languages may be the same ("clinica"); the first language listed wins.
var synonyms = []struct {
	lang  string
	cats  aidmap.CategorySet
	words string // separated by |
}{
	{"en", needFood, "food|foods|eat|hungry|groceries|foodbank|food bank|food banks|hamper|free food"},
	{"en", needMeal, "meal|meals|lunch|dinner|breakfast|supper|soup|hot meal|soup kitchen"},
	{"en", needBed, "shelter|shelters|bed|beds|sleep|place to sleep|housing"},
	{"en", needWarm, "warm|warming|cooling"},
	{"en", needShower, "shower|showers|wash|toilet|toilets|bathroom|laundry|hygiene"},
	{"en", needClinic, "clinic|clinics|doctor|nurse|medical|health|dentist"},
	{"en", needMental, "counselling|counseling|mental health|crisis"},
	{"en", needLegal, "legal|lawyer|legal aid"},
	{"en", needClothes, "clothes|clothing|coat|jacket|blanket"},
	{"en", needNewcomer, "newcomer|newcomers|refugee|refugees|immigrant|immigrants|settlement"},
	{"en", needDropIn, "drop in|dropin|drop-in"},
	{"en", needGrocery, "grocery|grocery store"},
	{"en", needOutreach, "outreach"},

	{"fr", needFood, "nourriture|manger|faim|aliments|alimentation|banque alimentaire|panier"},
	{"fr", needMeal, "repas|dejeuner|diner|souper|soupe|soupe populaire"},
	{"fr", needBed, "hebergement|refuge|abri|lit|lits|dormir|logement"},
	{"fr", needShower, "douche|douches|laver|toilettes|lessive|buanderie|hygiene"},
	{"fr", needClinic, "clinique|medecin|infirmiere|infirmier|sante|soins"},
	{"fr", needLegal, "juridique|avocat"},
	{"fr", needClothes, "vetements|habits|manteau|couverture"},
	{"fr", needNewcomer, "refugie|refugies|immigrant|nouveaux arrivants"},

	{"es", needFood, "comida|comer|hambre|alimentos|despensa|banco de comida"},
	{"es", needMeal, "almuerzo|cena|desayuno|sopa|comedor"},
	{"es", needBed, "albergue|refugio|cama|camas|dormir|alojamiento"},
	{"es", needShower, "ducha|duchas|bano|banos|lavar|lavanderia|higiene"},
	{"es", needClinic, "clinica|medico|doctor|enfermera|salud"},
	{"es", needLegal, "abogado|legal"},
	{"es", needClothes, "ropa|abrigo|cobija|manta"},
	{"es", needNewcomer, "refugiado|refugiados|inmigrante|inmigrantes"},

	{"ar", needFood, "طعام|الطعام|أكل|الأكل|غذاء|جوع|جائع|بنك طعام"},
	{"ar", needMeal, "وجبة|وجبات|غداء|عشاء|فطور"},
	{"ar", needBed, "مأوى|المأوى|سرير|نوم|مبيت|سكن|ملجأ"},
	{"ar", needShower, "استحمام|دش|حمام|مرحاض|غسيل|نظافة"},
	{"ar", needClinic, "عيادة|العيادة|طبيب|دكتور|صحة|مستشفى"},
	{"ar", needLegal, "محامي|قانونية"},
	{"ar", needClothes, "ملابس|الملابس|ثياب|بطانية"},
	{"ar", needNewcomer, "لاجئ|لاجئين|مهاجر|مهاجرين"},

	{"fa", needFood, "غذا|خوراک|خوراکی|نان|گرسنه"},
	{"fa", needMeal, "وعده غذایی|ناهار|شام|صبحانه"},
	{"fa", needBed, "سرپناه|پناهگاه|خوابگاه|تخت|خواب|جای خواب"},
	{"fa", needShower, "حمام|دوش|دستشویی|بهداشت"},
	{"fa", needClinic, "درمانگاه|کلینیک|دکتر|پزشک"},
	{"fa", needLegal, "وکیل|حقوقی"},
	{"fa", needClothes, "لباس|پوشاک|پتو"},
	{"fa", needNewcomer, "پناهنده|مهاجر"},

	{"uk", needFood, "їжа|їжу|їсти|харчування|продукти|голодний"},
	{"uk", needMeal, "обід|вечеря|сніданок|суп"},
	{"uk", needBed, "притулок|ночівля|нічліг|ліжко|спати|житло"},
	{"uk", needShower, "душ|гігієна|туалет|пральня"},
	{"uk", needClinic, "клініка|лікар|лікарня|медицина|здоров’я"},
	{"uk", needLegal, "юрист|адвокат"},
	{"uk", needClothes, "одяг|ковдра"},
	{"uk", needNewcomer, "біженці|біженець|іммігранти"},

	{"zh", needFood, "食物|食品|吃的|吃饭|饭|饥饿"},
	{"zh", needMeal, "餐|免费餐|午餐|晚餐|早餐"},
	{"zh", needBed, "住宿|庇護所|床位|睡觉|过夜|收容所"},
	{"zh", needShower, "洗澡|淋浴|厕所|洗衣"},
	{"zh", needClinic, "医生|看病|醫生|診所|医院"},
	{"zh", needLegal, "律师|法律"},
	{"zh", needClothes, "衣服|衣物"},
	{"zh", needNewcomer, "移民|难民"},

	{"pa", needFood, "ਭੋਜਨ|ਖਾਣਾ|ਰੋਟੀ|ਲੰਗਰ|ਭੁੱਖ"},
	{"pa", needBed, "ਰਹਿਣ|ਬਿਸਤਰਾ|ਸੌਣ|ਰਾਤ"},
	{"pa", needShower, "ਨਹਾਉਣਾ|ਸ਼ਾਵਰ|ਟਾਇਲਟ"},
	{"pa", needClinic, "ਡਾਕਟਰ|ਹਸਪਤਾਲ|ਸਿਹਤ"},
	{"pa", needClothes, "ਕੱਪੜਾ|ਕੰਬਲ"},

	{"tl", needFood, "pagkain|kain|kumain|gutom|ulam"},
	{"tl", needMeal, "tanghalian|hapunan|almusal"},
	{"tl", needBed, "tirahan|matulugan|tulugan|kama|tulog"},
	{"tl", needShower, "paliguan|ligo|maligo|banyo|palikuran"},
	{"tl", needClinic, "doktor|kalusugan|ospital"},
	{"tl", needClothes, "damit|kumot"},

	{"ko", needFood, "음식|먹을|밥|식품|배고파"},
	{"ko", needMeal, "식사|점심|저녁|아침"},
	{"ko", needBed, "숙소|잠자리|침대|보호소"},
	{"ko", needShower, "샤워|목욕|화장실|세탁"},
	{"ko", needClinic, "병원|의사|클리닉|보건소"},
	{"ko", needLegal, "변호사"},
	{"ko", needClothes, "옷|담요"},
}

// commands are the words that are a message of their own ("help", "more"), the open-now
// words, the words around a place, and greetings, by language, lower case, separated by |.
var commands = []struct {
	lang                   string
	help, more, open, fill string
	hello                  string
}{
	{"en", "help|info|menu|instructions", "more|next|more please", "now|open|open now|right now|tonight|today", "near|at|in|around|by|close to|nearby|near to", "hi|hello|hey"},
	{"fr", "aide|aidez moi|au secours", "plus|suite|suivant|encore", "maintenant|ouvert|ouverts|ouvert maintenant|ce soir|aujourd hui", "pres|pres de|au|a|proche de|vers|dans", "bonjour|salut|allo"},
	{"es", "ayuda|ayudame|auxilio", "mas|siguiente|otros", "ahora|abierto|abiertos|abierto ahora|hoy|esta noche", "cerca|cerca de|en|por", "hola|buenas|buenos dias"},
	{"ar", "مساعدة|ساعدني|تعليمات", "المزيد|مزيد|التالي", "الآن|مفتوح|الليلة", "قرب|بالقرب من|في|عند|قريب من", "مرحبا|السلام عليكم"},
	{"fa", "کمک|راهنما", "بیشتر|بعدی", "الان|اکنون|باز|امشب", "نزدیک|در|نزدیک به", "سلام"},
	{"uk", "допомога|довідка|допоможіть", "ще|більше|далі", "зараз|відкрито|відкриті|сьогодні", "біля|в|у|коло|поруч", "привіт|вітаю|добрий день"},
	{"zh", "帮助|帮忙|说明", "更多|下一页", "现在|营业中|开门|今晚", "附近|在", "你好|您好"},
	{"pa", "ਮਦਦ|ਸਹਾਇਤਾ", "ਹੋਰ|ਅਗਲੇ", "ਹੁਣ|ਖੁੱਲ੍ਹਾ|ਅੱਜ", "ਨੇੜੇ|ਵਿੱਚ", "ਸਤਿ ਸ੍ਰੀ ਅਕਾਲ|ਹੈਲੋ"},
	{"tl", "tulong|saklolo", "higit|susunod|iba pa|dagdag", "ngayon|bukas|bukas ngayon|mamaya", "malapit|malapit sa|sa", "kumusta|magandang araw|po"},
	{"ko", "도움말|도움|안내", "더보기|더|다음", "지금|영업중|오늘", "근처|에서", "안녕하세요|안녕"},
}

// vocabulary maps a folded phrase to its meaning; longest is the most words in a phrase.
// Two languages may share a word ("doctor", "legal"): its langs lists both, in the order of
// Languages.
var vocabulary, longest = func() (map[string]word, int) {
	m := map[string]word{}
	n := 1
	add := func(phrase string, w word) {
		key := foldPhrase(phrase)
		if key == "" {
			return
		}
		if old, ok := m[key]; ok {
			if old.kind != w.kind {
				return // the first meaning wins: a command over a category label
			}
			old.cats |= w.cats // the same word for two needs means both
			if !slices.Contains(old.langs, w.langs[0]) {
				old.langs = append(old.langs, w.langs[0])
			}
			m[key] = old
			return
		}
		m[key] = w
		n = max(n, strings.Count(key, " ")+1)
	}
	for _, c := range commands {
		for _, kl := range []struct {
			kind kind
			list string
		}{{kindHelp, c.help}, {kindMore, c.more}, {kindOpen, c.open}, {kindHello, c.hello}, {kindFill, c.fill}} {
			for _, p := range strings.Split(kl.list, "|") {
				add(p, word{kind: kl.kind, langs: []string{c.lang}})
			}
		}
	}
	for _, lang := range Languages {
		for _, s := range synonyms {
			if s.lang != lang {
				continue
			}
			for _, p := range strings.Split(s.words, "|") {
				add(p, word{kind: kindNeed, cats: s.cats, langs: []string{lang}})
			}
		}
		for _, c := range aidmap.Categories() {
			if c.Slug == aidmap.CategoryOther {
				continue // "other" is no need anyone texts; in Punjabi its word is "more"
			}
			add(categoryLabels[lang][c.Slug], word{kind: kindNeed, cats: cats(c.Slug), langs: []string{lang}})
			if lang == "en" {
				add(strings.ReplaceAll(string(c.Slug), "_", " "), word{kind: kindNeed, cats: cats(c.Slug), langs: []string{lang}})
			}
		}
	}
	return m, n
}()

// typoWords are the one-word needs a typo is tolerated in: words of four letters or more in
// an alphabet with letters (Latin, Cyrillic), so "foood", "shwoer" and "nouriture" are
// understood.
var typoWords = func() []string {
	var ws []string
	for k, w := range vocabulary {
		if w.kind == kindNeed && !strings.Contains(k, " ") && utf8.RuneCountInString(k) >= 4 && isAlphabetic(k) {
			ws = append(ws, k)
		}
	}
	slices.Sort(ws)
	return ws
}()

// wholeWords are vocabulary entries found inside a longer token: in Chinese, written without
// spaces, and at the start of a Korean word (followed by a particle: 음식을), longest first.
var wholeWords = func() []string {
	var ws []string
	for k := range vocabulary {
		w := vocabulary[k]
		if strings.Contains(k, " ") || w.kind == kindHelp || w.kind == kindMore || w.kind == kindHello {
			continue
		}
		if hasScript(k, unicode.Han) || hasScript(k, unicode.Hangul) && (w.kind == kindNeed || w.kind == kindOpen) {
			ws = append(ws, k)
		}
	}
	slices.SortFunc(ws, func(a, b string) int {
		if c := len(b) - len(a); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return ws
}()
