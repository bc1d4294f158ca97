//! A deterministic corpus of needs and offers for benchmarks: about two thirds Arabic and one third English, real
//! sector and region codes, aid items written the ways people write them (with and without the article, plurals,
//! the prefixes و and ب and لل, hamza dropped, the odd diacritic or tatweel, Arabic-Indic digits), summaries of 60 to
//! 400 characters, and the fixed query mix the search benchmark runs against it.
//!
//! The same seed always gives the same listings and the same queries (a splitmix64 generator, no dependency).

use crate::index::Listing;

/// Yields listings without end; the same seed yields the same sequence.
pub fn listings(seed: u64) -> impl Iterator<Item = Listing> {
    let mut rng = Rng(seed);
    (0u64..).map(move |i| listing(&mut rng, i))
}

/// The kinds of query the benchmark times.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// One word.
    OneWord,
    /// Two words, each of which must match.
    TwoWords,
    /// Two or three words that must stand together.
    Phrase,
    /// One or two words within a region and a sector (sometimes also a kind).
    Filtered,
    /// No words: a region (sometimes with a kind) and its facet counts.
    Faceted,
}

impl Category {
    /// Every category, in the order reports list them.
    pub const ALL: [Category; 5] = [
        Category::OneWord,
        Category::TwoWords,
        Category::Phrase,
        Category::Filtered,
        Category::Faceted,
    ];

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Category::OneWord => "one word",
            Category::TwoWords => "two words",
            Category::Phrase => "phrase",
            Category::Filtered => "words + region + sector",
            Category::Faceted => "faceted (region, no words)",
        }
    }
}

/// One query of the mix, independent of the engine that answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BenchQuery {
    /// Its category.
    pub category: Category,
    /// The words typed (empty for faceted queries).
    pub text: String,
    /// Whether the words must stand together.
    pub phrase: bool,
    /// `need` or `offer`.
    pub kind: Option<String>,
    /// Sector code.
    pub sector: Option<String>,
    /// Region path, country first.
    pub region_path: Vec<String>,
}

/// `per_category` queries of each category, interleaved (one of each in turn); the same seed gives the same mix.
pub fn queries(seed: u64, per_category: usize) -> Vec<BenchQuery> {
    let mut rng = Rng(seed ^ 0x5EA2_C4ED);
    let mut out = Vec::with_capacity(per_category * Category::ALL.len());
    for _ in 0..per_category {
        for category in Category::ALL {
            out.push(query(&mut rng, category));
        }
    }
    out
}

/// Every region the corpus uses: code, parent (empty for a country), English name, Arabic name. The codes are those
/// of the node's built-in region list (`node/data/regions.csv`).
pub const REGIONS: &[(&str, &str, &str, &str)] = &[
    ("PS", "", "Palestine", "فلسطين"),
    ("PS-GZA", "PS", "Gaza", "غزة"),
    ("PS-NGZ", "PS", "North Gaza", "شمال غزة"),
    ("PS-DEB", "PS", "Deir al-Balah", "دير البلح"),
    ("PS-KYS", "PS", "Khan Yunis", "خان يونس"),
    ("PS-RFH", "PS", "Rafah", "رفح"),
    ("PS-HBN", "PS", "Hebron", "الخليل"),
    ("PS-NBS", "PS", "Nablus", "نابلس"),
    ("PS-JEN", "PS", "Jenin", "جنين"),
    ("PS-TKM", "PS", "Tulkarm", "طولكرم"),
    ("PS-BTH", "PS", "Bethlehem", "بيت لحم"),
    ("PS-JEM", "PS", "Jerusalem", "القدس"),
    ("PS-RBH", "PS", "Ramallah and al-Bireh", "رام الله والبيرة"),
    ("SY", "", "Syria", "سوريا"),
    ("SY-HL", "SY", "Aleppo", "حلب"),
    ("SY-ID", "SY", "Idlib", "إدلب"),
    ("SY-DI", "SY", "Damascus", "دمشق"),
    ("SY-RD", "SY", "Rif Dimashq", "ريف دمشق"),
    ("SY-HI", "SY", "Homs", "حمص"),
    ("SY-HM", "SY", "Hama", "حماة"),
    ("SY-LA", "SY", "Latakia", "اللاذقية"),
    ("SY-DR", "SY", "Daraa", "درعا"),
    ("SY-DY", "SY", "Deir ez-Zor", "دير الزور"),
    ("SY-HA", "SY", "Al-Hasakah", "الحسكة"),
    ("SY-RA", "SY", "Raqqa", "الرقة"),
    ("LB", "", "Lebanon", "لبنان"),
    ("LB-BA", "LB", "Beirut", "بيروت"),
    ("LB-BI", "LB", "Beqaa", "البقاع"),
    ("LB-AK", "LB", "Akkar", "عكار"),
    ("LB-AS", "LB", "North", "الشمال"),
    ("LB-JA", "LB", "South", "الجنوب"),
    ("LB-NA", "LB", "Nabatieh", "النبطية"),
    ("LB-JL", "LB", "Mount Lebanon", "جبل لبنان"),
    ("JO", "", "Jordan", "الأردن"),
    ("JO-AM", "JO", "Amman", "عمان"),
    ("JO-IR", "JO", "Irbid", "إربد"),
    ("JO-MA", "JO", "Mafraq", "المفرق"),
    ("JO-AZ", "JO", "Zarqa", "الزرقاء"),
    ("TN", "", "Tunisia", "تونس"),
    ("TN-11", "TN", "Tunis", "تونس"),
    ("TN-61", "TN", "Sfax", "صفاقس"),
    ("TN-51", "TN", "Sousse", "سوسة"),
    ("TN-41", "TN", "Kairouan", "القيروان"),
    ("TN-42", "TN", "Kasserine", "القصرين"),
    ("TN-82", "TN", "Medenine", "مدنين"),
    ("EG", "", "Egypt", "مصر"),
    ("EG-C", "EG", "Cairo", "القاهرة"),
    ("EG-ALX", "EG", "Alexandria", "الإسكندرية"),
    ("EG-SIN", "EG", "North Sinai", "شمال سيناء"),
    ("EG-GZ", "EG", "Giza", "الجيزة"),
    ("TR", "", "Türkiye", "تركيا"),
    ("TR-27", "TR", "Gaziantep", "غازي عنتاب"),
    ("TR-31", "TR", "Hatay", "هاتاي"),
    ("TR-63", "TR", "Şanlıurfa", "شانلي أورفا"),
    ("TR-79", "TR", "Kilis", "كلس"),
    ("TR-46", "TR", "Kahramanmaraş", "كهرمان مرعش"),
    ("TR-34", "TR", "İstanbul", "إسطنبول"),
];

/// Countries and how often listings are in them (weights).
const COUNTRIES: &[(&str, u64)] =
    &[("PS", 36), ("SY", 24), ("LB", 10), ("JO", 8), ("EG", 8), ("TN", 7), ("TR", 7)];

/// Sector codes (those of the node's `Sector`) and how often listings are in them (weights).
const SECTORS: &[(&str, u64)] = &[
    ("food", 22),
    ("shelter", 18),
    ("health", 16),
    ("wash", 12),
    ("nfi", 10),
    ("education", 7),
    ("cash", 6),
    ("protection", 3),
    ("livelihoods", 3),
    ("psychosocial", 3),
];

/// An aid item: sector; Arabic as listed (plural, or a mass noun), the same with the article, Arabic singular;
/// English plural and singular.
type Item = (&'static str, &'static str, &'static str, &'static str, &'static str, &'static str);

const ITEMS: &[Item] = &[
    ("shelter", "بطانيات", "البطانيات", "بطانية", "blankets", "blanket"),
    ("shelter", "خيام", "الخيام", "خيمة", "tents", "tent"),
    ("shelter", "فرشات", "الفرشات", "فرشة", "mattresses", "mattress"),
    ("shelter", "شوادر بلاستيكية", "الشوادر البلاستيكية", "شادر", "plastic tarpaulins", "tarpaulin"),
    ("shelter", "مدافئ", "المدافئ", "مدفأة", "heaters", "heater"),
    ("shelter", "أغطية", "الأغطية", "غطاء", "covers", "cover"),
    ("food", "سلال غذائية", "السلال الغذائية", "سلة غذائية", "food baskets", "food basket"),
    ("food", "طرود غذائية", "الطرود الغذائية", "طرد غذائي", "food parcels", "food parcel"),
    ("food", "حليب أطفال", "حليب الأطفال", "حليب", "baby milk", "infant formula"),
    ("food", "طحين", "الطحين", "دقيق", "flour", "wheat flour"),
    ("food", "وجبات ساخنة", "الوجبات الساخنة", "وجبة", "hot meals", "meal"),
    ("food", "معلبات", "المعلبات", "معلبات", "canned food", "tins"),
    ("food", "أرز", "الأرز", "أرز", "rice", "rice"),
    ("food", "زيت طبخ", "زيت الطبخ", "زيت", "cooking oil", "oil"),
    ("health", "أدوية", "الأدوية", "دواء", "medicines", "medicine"),
    (
        "health",
        "أدوية أمراض مزمنة",
        "أدوية الأمراض المزمنة",
        "أدوية مزمنة",
        "chronic disease medicines",
        "chronic medication",
    ),
    ("health", "إنسولين", "الإنسولين", "إنسولين", "insulin", "insulin pens"),
    (
        "health",
        "مستلزمات طبية",
        "المستلزمات الطبية",
        "مستلزمات طبية",
        "medical supplies",
        "medical supply",
    ),
    ("health", "ضمادات", "الضمادات", "ضماد", "bandages", "bandage"),
    ("health", "كراسي متحركة", "الكراسي المتحركة", "كرسي متحرك", "wheelchairs", "wheelchair"),
    ("health", "مضادات حيوية", "المضادات الحيوية", "مضاد حيوي", "antibiotics", "antibiotic"),
    ("wash", "مياه شرب", "مياه الشرب", "مياه", "drinking water", "water"),
    ("wash", "خزانات مياه", "خزانات المياه", "خزان مياه", "water tanks", "water tank"),
    ("wash", "حقائب نظافة", "حقائب النظافة", "حقيبة نظافة", "hygiene kits", "hygiene kit"),
    ("wash", "صابون", "الصابون", "صابون", "soap", "soap bars"),
    ("wash", "فوط صحية", "الفوط الصحية", "فوط", "sanitary pads", "sanitary pad"),
    ("wash", "حفاضات أطفال", "حفاضات الأطفال", "حفاضات", "baby diapers", "diapers"),
    (
        "wash",
        "أقراص تعقيم المياه",
        "أقراص تعقيم المياه",
        "أقراص تعقيم",
        "water purification tablets",
        "purification tablets",
    ),
    ("education", "حقائب مدرسية", "الحقائب المدرسية", "حقيبة مدرسية", "school kits", "school bag"),
    ("education", "قرطاسية", "القرطاسية", "قرطاسية", "stationery", "stationery"),
    ("education", "كتب مدرسية", "الكتب المدرسية", "كتاب", "textbooks", "textbook"),
    ("education", "زي مدرسي", "الزي المدرسي", "زي مدرسي", "school uniforms", "uniform"),
    ("nfi", "ملابس شتوية", "الملابس الشتوية", "ملابس", "winter clothes", "clothes"),
    ("nfi", "أحذية", "الأحذية", "حذاء", "shoes", "shoe"),
    ("nfi", "أدوات مطبخ", "أدوات المطبخ", "أدوات مطبخ", "kitchen sets", "kitchen set"),
    ("nfi", "مصابيح شمسية", "المصابيح الشمسية", "مصباح شمسي", "solar lamps", "solar lamp"),
    ("nfi", "وقود", "الوقود", "وقود", "fuel", "diesel"),
    ("nfi", "غاز طبخ", "غاز الطبخ", "أسطوانة غاز", "cooking gas", "gas cylinder"),
    ("nfi", "مولدات كهرباء", "مولدات الكهرباء", "مولد", "generators", "generator"),
    ("cash", "مساعدات نقدية", "المساعدات النقدية", "مساعدة نقدية", "cash assistance", "cash grant"),
    ("cash", "قسائم شرائية", "القسائم الشرائية", "قسيمة", "vouchers", "voucher"),
    ("cash", "بدل إيجار", "بدل الإيجار", "إيجار", "rent support", "rent"),
    (
        "protection",
        "استشارات قانونية",
        "الاستشارات القانونية",
        "استشارة قانونية",
        "legal counselling",
        "legal aid",
    ),
    (
        "protection",
        "مساحات صديقة للطفل",
        "المساحات الصديقة للطفل",
        "مساحة آمنة",
        "child-friendly spaces",
        "safe space",
    ),
    ("livelihoods", "بذور زراعية", "البذور الزراعية", "بذور", "seeds", "seed kit"),
    (
        "livelihoods",
        "ماكينات خياطة",
        "ماكينات الخياطة",
        "ماكينة خياطة",
        "sewing machines",
        "sewing machine",
    ),
    ("livelihoods", "أعلاف مواشي", "أعلاف المواشي", "أعلاف", "livestock feed", "fodder"),
    (
        "psychosocial",
        "جلسات دعم نفسي",
        "جلسات الدعم النفسي",
        "دعم نفسي",
        "psychosocial support sessions",
        "counselling",
    ),
    ("psychosocial", "ألعاب ترفيهية", "الألعاب الترفيهية", "ألعاب", "recreational kits", "toys"),
];

/// Phrases people search for as they stand.
const PHRASES_AR: &[&str] = &[
    "الأسر النازحة",
    "العائلات المتضررة",
    "الأطفال الرضع",
    "كبار السن",
    "ذوي الإعاقة",
    "طلاب المدارس",
    "النساء الحوامل",
    "سكان المخيمات",
    "مراكز الإيواء",
    "البرد الشديد",
    "فصل الشتاء",
    "لجان الأحياء",
];
const PHRASES_EN: &[&str] = &[
    "displaced families",
    "affected households",
    "elderly people",
    "school children",
    "pregnant women",
    "camp residents",
    "collective shelters",
    "neighbourhood committees",
    "severe cold",
    "young children",
];

const ADJ_AR: &[&str] = &["جديدة", "شتوية", "عاجلة", "بحالة جيدة", "نظيفة", "أساسية", "إضافية"];
const ADJ_EN: &[&str] = &["new", "winter", "urgent", "good-quality", "clean", "basic", "extra"];

const BENEFICIARIES_AR: &[&str] = &[
    "الأسر النازحة",
    "العائلات المتضررة",
    "الأطفال الرضع",
    "كبار السن",
    "ذوي الإعاقة",
    "مرضى السكري والضغط",
    "الأرامل والأيتام",
    "طلاب المدارس",
    "النساء الحوامل",
    "سكان المخيمات",
    "العائلات في مراكز الإيواء",
];
const BENEFICIARIES_EN: &[&str] = &[
    "displaced families",
    "affected households",
    "infants",
    "elderly people",
    "people with disabilities",
    "patients with diabetes and hypertension",
    "widows and orphans",
    "school children",
    "pregnant women",
    "camp residents",
    "families in collective shelters",
];

const REASONS_AR: &[&str] = &[
    "بسبب البرد الشديد",
    "مع اقتراب فصل الشتاء",
    "بعد موجة النزوح الأخيرة",
    "بعد غرق الخيام بمياه الأمطار",
    "نتيجة انقطاع الكهرباء والمياه",
    "بسبب نفاد المخزون لدينا",
    "بعد إغلاق المعابر",
    "بسبب ارتفاع الأسعار",
];
const REASONS_EN: &[&str] = &[
    "because of the severe cold",
    "as winter approaches",
    "after the latest wave of displacement",
    "after rain flooded the tents",
    "because of power and water cuts",
    "because our stock has run out",
    "since the crossings closed",
    "because prices have risen",
];

const ARRANGEMENTS_AR: &[&str] = &[
    "الأولوية للأسر التي لديها أطفال صغار",
    "التوزيع عبر لجان الأحياء",
    "يرجى التواصل مع منسق الفرع قبل الإرسال",
    "التسليم في مستودع الجمعية",
    "تم التحقق من القوائم ميدانيا",
    "التنسيق مع المجلس المحلي",
];
const ARRANGEMENTS_EN: &[&str] = &[
    "priority goes to families with young children",
    "distribution through neighbourhood committees",
    "please contact the branch coordinator before sending",
    "delivery at our warehouse",
    "the lists were checked in the field",
    "coordinated with the local council",
];
const NEED_EXTRAS_AR: &[&str] = &[
    "تم تأمين جزء من الكمية ونحتاج الباقي",
    "الاحتياج يتكرر كل شهر",
    "نقبل التبرعات العينية والنقدية",
];
const NEED_EXTRAS_EN: &[&str] = &[
    "part of the quantity is covered and we need the rest",
    "the need comes back every month",
    "in-kind and cash donations are welcome",
];
const OFFER_EXTRAS_AR: &[&str] =
    &["الكمية متاحة حتى نهاية الشهر", "نحتاج مساعدة في النقل", "الاستلام من المستودع مباشرة"];
const OFFER_EXTRAS_EN: &[&str] = &[
    "available until the end of the month",
    "we need help with transport",
    "collection from the warehouse",
];

const ORG_AR: (&[&str], &[&str], &[&str]) = (
    &["جمعية", "مؤسسة", "هيئة", "لجنة", "مبادرة"],
    &["الأمل", "النور", "الرحمة", "الخير", "البر", "الإحسان", "التكافل", "العون", "الشفاء", "الغد"],
    &["الخيرية", "للإغاثة والتنمية", "الإنسانية", "الاجتماعية", ""],
);
const ORG_EN: (&[&str], &[&str]) = (
    &["Hope", "Light", "Mercy", "Caring Hands", "Solidarity", "Tomorrow", "Olive", "Bridges"],
    &["Foundation", "Relief", "Association", "Aid", "Initiative"],
);

/// 2025-01-01T00:00:00Z in milliseconds; updates spread over the following year.
const YEAR_START_MS: i64 = 1_735_689_600_000;
const YEAR_MS: u64 = 365 * 24 * 3600 * 1000;
const ORGANISATIONS: u64 = 2_000;
const NODES: u64 = 150;

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn weighted<'a>(&mut self, items: &'a [(&'a str, u64)]) -> &'a str {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut at = self.below(total);
        for (name, w) in items {
            if at < *w {
                return name;
            }
            at -= w;
        }
        items[0].0
    }
}

fn regions_of(
    country: &str,
) -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str, &'static str)> {
    REGIONS.iter().filter(move |r| r.1 == country)
}

/// A region path (country first) and the region's names, English and Arabic.
fn region(rng: &mut Rng) -> (Vec<String>, &'static str, &'static str) {
    let country = rng.weighted(COUNTRIES);
    let own = REGIONS.iter().find(|r| r.0 == country).map_or(("", "", "", ""), |r| *r);
    let inside: Vec<_> = regions_of(country).collect();
    // A few listings name only the country.
    if inside.is_empty() || rng.chance(6) {
        return (vec![country.to_owned()], own.2, own.3);
    }
    // The first regions listed (Gaza, Aleppo, Beirut ...) carry more of the load.
    let r = if rng.chance(40) { inside[0] } else { *rng.pick(&inside) };
    (vec![country.to_owned(), r.0.to_owned()], r.2, r.3)
}

fn item(rng: &mut Rng, sector: &str) -> &'static Item {
    let of: Vec<&Item> = ITEMS.iter().filter(|i| i.0 == sector).collect();
    if of.is_empty() { rng.pick(ITEMS) } else { of[rng.below(of.len() as u64) as usize] }
}

/// Two items of the same sector, different from each other and, where the sector has enough, from `it`.
fn two_others(rng: &mut Rng, it: &'static Item) -> (&'static Item, &'static Item) {
    let of: Vec<&'static Item> = ITEMS.iter().filter(|i| i.0 == it.0 && i.1 != it.1).collect();
    let a = *rng.pick(&of);
    let rest: Vec<&'static Item> = of.iter().copied().filter(|i| i.1 != a.1).collect();
    let b = if rest.is_empty() { it } else { *rng.pick(&rest) };
    (a, b)
}

/// `ل` before a noun: `للأسر` for `الأسر`, `لكبار` for `كبار`.
fn lil(phrase: &str) -> String {
    match phrase.strip_prefix("ال") {
        Some(rest) => format!("لل{rest}"),
        None => format!("ل{phrase}"),
    }
}

/// Where, in Arabic: in the region, in its camps, in its shelters, in its north.
fn arabic_place(rng: &mut Rng, place: &str) -> String {
    match rng.below(10) {
        0..=5 => format!("في {place}"),
        6 => format!("في مخيمات {place}"),
        7 => format!("في مراكز الإيواء ب{place}"),
        8 => format!("شمال {place}"),
        _ => format!("في مدارس {place}"),
    }
}

/// How people actually type: hamza dropped, ة written ه, a diacritic or a tatweel here and there.
fn loosen(rng: &mut Rng, text: String) -> String {
    let mut text = text;
    if rng.chance(12) {
        text = text.replace(['أ', 'إ'], "ا");
    }
    if rng.chance(4) {
        text = text.replace("ة ", "ه ");
    }
    if rng.chance(4) {
        // a fatha after the first letter of the first long word
        let words: Vec<&str> = text.split(' ').collect();
        if let Some(at) = words.iter().position(|w| w.chars().count() > 4) {
            let mut c = words[at].chars();
            let first = c.next().map(String::from).unwrap_or_default();
            let marked = format!("{first}\u{064E}{}", c.as_str());
            let mut words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
            words[at] = marked;
            text = words.join(" ");
        }
    }
    if rng.chance(2) {
        text = text.replacen("ا", "ـا", 1);
    }
    text
}

fn arabic_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x0660 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

fn quantity(rng: &mut Rng) -> u64 {
    // Mostly tens and hundreds, sometimes thousands.
    match rng.below(10) {
        0..=4 => 5 + rng.below(95),
        5..=8 => 100 + rng.below(900),
        _ => 1_000 + rng.below(9_000),
    }
}

/// A length in characters between 60 and 400, most near 150–300.
fn target_length(rng: &mut Rng) -> usize {
    let (a, b, c) = (rng.below(341), rng.below(341), rng.below(341));
    60 + ((a + b + c) / 3) as usize
}

/// Cuts at a word boundary so that the text has at most `max` characters.
fn clip(text: String, max: usize) -> String {
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    match cut.rfind(' ') {
        Some(i) => cut[..i].trim_end_matches(['،', ',', '.', ' ']).to_owned(),
        None => cut,
    }
}

fn arabic_summary(rng: &mut Rng, need: bool, it: &'static Item, n: u64, place: &str) -> String {
    let (_, ar, def, _, _, _) = *it;
    let benef = *rng.pick(BENEFICIARIES_AR);
    let at = arabic_place(rng, place);
    let mut s = if need {
        match rng.below(5) {
            0 => format!("نحتاج إلى {n} {ar} {} {at}", rng.pick(ADJ_AR)),
            1 => format!("بحاجة عاجلة إلى {n} من {def} {} {at}", lil(benef)),
            2 => format!("مطلوب {n} {ar} {} {at}", lil(benef)),
            3 => format!("تحتاج {benef} {at} إلى {def}"),
            _ => format!("نطلب توفير {n} من {def} {at}"),
        }
    } else {
        match rng.below(4) {
            0 => format!("لدينا {n} {ar} جاهزة للتوزيع {at}"),
            1 => format!("نوفر {n} من {def} {}", lil(benef)),
            2 => format!("متوفر {n} {ar} {} للتبرع {at}", rng.pick(ADJ_AR)),
            _ => format!("يمكننا تسليم {def} إلى {benef} {at} خلال أسبوع"),
        }
    };
    let mut more: Vec<String> = vec![
        (*rng.pick(REASONS_AR)).to_owned(),
        (*rng.pick(REASONS_AR)).to_owned(),
        format!("العدد المتبقي {} أسرة", 10 + rng.below(490)),
        (*rng.pick(ARRANGEMENTS_AR)).to_owned(),
        (*rng.pick(ARRANGEMENTS_AR)).to_owned(),
    ];
    let (a, b) = two_others(rng, it);
    let b = if rng.chance(50) { b.1 } else { b.2 };
    if need {
        more.push(format!("كما نحتاج {} و{b}", a.1));
        more.push(format!("الحاجة ماسة {}", lil(def)));
        more.push(format!("نرحب بالتبرع ب{def} أو بالمال"));
        more.push((*rng.pick(NEED_EXTRAS_AR)).to_owned());
    } else {
        more.push(format!("كما يتوفر لدينا {} و{b}", a.1));
        more.push(format!("يمكن نقل {def} إلى المحافظات المجاورة"));
        more.push((*rng.pick(OFFER_EXTRAS_AR)).to_owned());
    }
    append(rng, &mut s, more, "، ", false);
    let mut s = clip(loosen(rng, s), 399);
    if rng.chance(35) {
        s = arabic_digits(&s);
    }
    s.push('.');
    s
}

fn english_summary(rng: &mut Rng, need: bool, it: &'static Item, n: u64, place: &str) -> String {
    let (_, _, _, _, en, _) = *it;
    let benef = rng.pick(BENEFICIARIES_EN);
    let mut s = if need {
        match rng.below(4) {
            0 => format!("We need {n} {} {en} in {place}", rng.pick(ADJ_EN)),
            1 => format!("Urgently needed: {n} {en} for {benef} in {place}"),
            2 => format!("Request for {n} {en} for {benef} in camps around {place}"),
            _ => format!("{} in {place} need {en}", capitalise(benef)),
        }
    } else {
        match rng.below(4) {
            0 => format!("We have {n} {en} ready for distribution in {place}"),
            1 => format!("Offering {n} {} {en} for {benef}", rng.pick(ADJ_EN)),
            2 => format!("{n} {en} available for donation in {place}"),
            _ => format!("We can deliver {en} to {benef} in {place} within a week"),
        }
    };
    let mut more: Vec<String> = vec![
        (*rng.pick(REASONS_EN)).to_owned(),
        (*rng.pick(REASONS_EN)).to_owned(),
        format!("{} households are still waiting", 10 + rng.below(490)),
        (*rng.pick(ARRANGEMENTS_EN)).to_owned(),
        (*rng.pick(ARRANGEMENTS_EN)).to_owned(),
    ];
    let (a, b) = two_others(rng, it);
    if need {
        more.push(format!("we also need {} and {}", a.4, b.4));
        more.push(format!("{en} are the most pressing need"));
        more.push((*rng.pick(NEED_EXTRAS_EN)).to_owned());
    } else {
        more.push(format!("we also have {} and {}", a.4, b.4));
        more.push(format!("the {en} can be moved to nearby governorates"));
        more.push((*rng.pick(OFFER_EXTRAS_EN)).to_owned());
    }
    append(rng, &mut s, more, ", ", true);
    let mut s = clip(s, 399);
    s.push('.');
    s
}

/// Adds sentences from `more`, in a random order and each at most once, until `s` is as long as a length
/// drawn by [`target_length`].
fn append(rng: &mut Rng, s: &mut String, mut more: Vec<String>, comma: &str, cap: bool) {
    let target = target_length(rng);
    more.dedup();
    while s.chars().count() < target && !more.is_empty() {
        let next = more.swap_remove(rng.below(more.len() as u64) as usize);
        if rng.chance(50) {
            s.push_str(comma);
            s.push_str(&next);
        } else {
            s.push_str(". ");
            s.push_str(&if cap { capitalise(&next) } else { next });
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// An organisation's actor URL and name, the same for the same number.
fn organisation(i: u64) -> (String, String) {
    let mut rng = Rng(i.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let actor = format!("https://node{}.sanad.example/orgs/o{i}", i % NODES);
    let name = if rng.chance(70) {
        let (a, b, c) = ORG_AR;
        format!("{} {} {}", rng.pick(a), rng.pick(b), rng.pick(c)).trim_end().to_owned()
    } else {
        let (a, b) = ORG_EN;
        format!("{} {}", rng.pick(a), rng.pick(b))
    };
    (actor, name)
}

fn listing(rng: &mut Rng, i: u64) -> Listing {
    let need = rng.chance(60);
    let arabic = rng.below(3) < 2;
    let sector = rng.weighted(SECTORS);
    let it = item(rng, sector);
    let (region_path, name_en, name_ar) = region(rng);
    let n = quantity(rng);
    let (origin, origin_name) = organisation(rng.below(ORGANISATIONS));
    let host = origin.split("/orgs/").next().unwrap_or_default().to_owned();
    let (item_text, summary) = if arabic {
        let item = match rng.below(8) {
            0 | 1 => format!("{} {}", it.1, rng.pick(ADJ_AR)),
            2 => it.2.to_owned(),
            _ => it.1.to_owned(),
        };
        let item = loosen(rng, item);
        let mut summary = arabic_summary(rng, need, it, n, name_ar);
        if rng.chance(3) {
            // Now and then an Arabic listing carries its English item name too.
            summary = format!("{summary} ({})", it.4);
        }
        (item, summary)
    } else {
        let item = if rng.chance(25) {
            let adjective: &&str = rng.pick(ADJ_EN);
            format!("{} {}", capitalise(adjective), it.4)
        } else {
            capitalise(it.4)
        };
        (item, english_summary(rng, need, it, n, name_en))
    };
    let (status, quantity_met) = match (need, rng.below(100)) {
        (true, 0..=69) => ("open", 0),
        (true, 70..=84) => ("partly-met", 1 + rng.below(n - 1)),
        (true, 85..=94) => ("met", n),
        (true, _) => ("cancelled", 0),
        (false, 0..=84) => ("active", 0),
        (false, 85..=92) => ("withdrawn", 0),
        (false, _) => ("expired", 0),
    };
    let urgency = match rng.below(100) {
        0..=19 => 0,
        20..=54 => 1,
        55..=84 => 2,
        _ => 3,
    };
    let audience = if rng.chance(90) {
        vec!["public".to_owned()]
    } else {
        (0..1 + rng.below(3)).map(|_| format!("org:{}", 1 + rng.below(ORGANISATIONS))).collect()
    };
    let kind = if need { "need" } else { "offer" };
    Listing {
        id: format!("{host}/objects/{i:x}-{:08x}", rng.next() as u32),
        kind: kind.to_owned(),
        origin,
        origin_name,
        item: item_text,
        summary,
        sector: sector.to_owned(),
        region_path,
        urgency,
        status: status.to_owned(),
        quantity: n,
        quantity_met,
        updated_ms: YEAR_START_MS + rng.below(YEAR_MS) as i64,
        audience,
        url: format!("{host}/{kind}s/{i}"),
        ..Default::default()
    }
}

/// What a donor types for an item: plural or singular, with or without the article, with or without hamza.
fn item_words(rng: &mut Rng, it: &Item, arabic: bool) -> String {
    if arabic {
        match rng.below(10) {
            0..=3 => it.1.to_owned(),
            4..=5 => it.3.to_owned(),
            6..=7 => it.2.to_owned(),
            _ => it.1.replace(['أ', 'إ'], "ا"),
        }
    } else if rng.chance(60) {
        it.4.to_owned()
    } else {
        it.5.to_owned()
    }
}

/// The first `n` words.
fn words(text: &str, n: usize) -> String {
    text.split(' ').take(n).collect::<Vec<_>>().join(" ")
}

fn kind(rng: &mut Rng) -> Option<String> {
    rng.chance(30).then(|| if rng.chance(60) { "need" } else { "offer" }.to_owned())
}

fn query(rng: &mut Rng, category: Category) -> BenchQuery {
    let arabic = rng.below(3) < 2;
    let sector = rng.weighted(SECTORS);
    let it = item(rng, sector);
    let (path, en, ar) = region(rng);
    let place = if arabic { ar } else { en };
    let mut q = BenchQuery {
        category,
        text: String::new(),
        phrase: false,
        kind: None,
        sector: None,
        region_path: Vec::new(),
    };
    match category {
        Category::OneWord => {
            let other_ar = ["النازحة", "شتوية", "أطفال", "المخيمات", "عاجلة", "الأرامل"];
            let other_en = ["displaced", "winter", "children", "camps", "urgent", "widows"];
            q.text = match rng.below(20) {
                0..=12 => words(&item_words(rng, it, arabic), 1),
                13..=15 => words(place, 1),
                _ if arabic => (*rng.pick(&other_ar)).to_owned(),
                _ => (*rng.pick(&other_en)).to_owned(),
            };
        }
        Category::TwoWords => {
            let w = item_words(rng, it, arabic);
            q.text = match rng.below(10) {
                0..=3 => format!("{} {}", words(&w, 1), words(place, 1)),
                4..=6 => {
                    let adj = if arabic { rng.pick(ADJ_AR) } else { rng.pick(ADJ_EN) };
                    format!("{} {}", words(&w, 1), words(adj, 1))
                }
                _ if w.contains(' ') => words(&w, 2),
                _ => format!("{w} {}", if arabic { "للأطفال" } else { "children" }),
            };
        }
        Category::Phrase => {
            q.phrase = true;
            q.text = if rng.chance(60) {
                let multi: Vec<&Item> =
                    ITEMS.iter().filter(|i| i.1.contains(' ') && i.4.contains(' ')).collect();
                let m = rng.pick(&multi);
                words(if arabic { m.1 } else { m.4 }, 3)
            } else if arabic {
                (*rng.pick(PHRASES_AR)).to_owned()
            } else {
                (*rng.pick(PHRASES_EN)).to_owned()
            };
        }
        Category::Filtered => {
            let w = item_words(rng, it, arabic);
            q.text = if rng.chance(70) { words(&w, 1) } else { words(&w, 2) };
            let other = rng.weighted(SECTORS);
            q.sector = Some(if rng.chance(80) { sector } else { other }.to_owned());
            q.region_path = if rng.chance(50) { path[..1].to_vec() } else { path };
            q.kind = kind(rng);
        }
        Category::Faceted => {
            q.region_path = if rng.chance(60) { path[..1].to_vec() } else { path };
            q.kind = kind(rng);
        }
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_corpus_and_queries() {
        let a: Vec<Listing> = listings(42).take(500).collect();
        let b: Vec<Listing> = listings(42).take(500).collect();
        assert_eq!(a, b);
        let c: Vec<Listing> = listings(43).take(500).collect();
        assert_ne!(a, c);
        assert_eq!(queries(42, 50), queries(42, 50));
    }

    #[test]
    fn listings_look_like_real_ones() {
        let all: Vec<Listing> = listings(7).take(3000).collect();
        let arabic = all
            .iter()
            .filter(|l| l.summary.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)))
            .count();
        assert!((1800..=2200).contains(&arabic), "about two thirds Arabic: {arabic}");
        for l in &all {
            let n = l.summary.chars().count();
            assert!((60..=400).contains(&n), "summary of {n} characters: {}", l.summary);
            assert!(SECTORS.iter().any(|(s, _)| *s == l.sector), "{}", l.sector);
            for code in &l.region_path {
                assert!(REGIONS.iter().any(|r| r.0 == code), "{code}");
            }
            assert!(l.urgency <= 3 && l.quantity_met <= l.quantity);
        }
        let ids: std::collections::HashSet<&str> = all.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids.len(), all.len(), "ids are unique");
        assert!(
            all.iter().any(|l| l.summary.contains('٣') || l.summary.contains('٥')),
            "Arabic-Indic digits"
        );
        assert!(
            all.iter().any(|l| l.summary.contains("للبطانيات") || l.summary.contains("بالبطانيات"))
        );
        let open = all.iter().filter(|l| l.status == "open" || l.status == "active").count();
        assert!(open > all.len() * 2 / 3, "mostly open: {open}");
    }
}
