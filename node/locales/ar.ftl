# سند — الفهرس العربي. كل مفتاح هنا موجود أيضاً في en.ftl (يتحقق من ذلك اختبار).
app-name = سند
nav-cases = الحالات
nav-needs = الاحتياجات
nav-members = الأعضاء
nav-settings = الإعدادات
nav-operator = العقدة
nav-signout = تسجيل الخروج

error-status = خطأ { $status }
error-request-id = معرّف الطلب:
error-home = العودة إلى الصفحة الأولى

home-title = البداية
home-not-set-up = لم تُهيّأ هذه العقدة بعد
home-not-set-up-help = عند تشغيل العقدة أول مرة تطبع رابط تهيئة يُستعمل مرة واحدة. يجده من شغّلها في سجلّها؛ افتحه لإنشاء أول منظمة ومديرها.
home-choose-org = منظماتك
home-no-orgs = لست عضواً في أي منظمة بعد. اطلب من أحد المديرين إضافتك.

setup-title = تهيئة هذه العقدة
setup-intro = أنشئ أول منظمة ومديرها. ستدخل بصفتك المدير، وهو من يشغّل هذه العقدة أيضاً.
setup-org = المنظمة
setup-admin = المدير
setup-submit = إنشاء وتسجيل الدخول

signin-title = تسجيل الدخول
signin-submit = دخول

account-title = حسابك
account-password-changed = تم تغيير كلمة المرور، وأُنهيت الجلسات الأخرى.
account-change-password = تغيير كلمة المرور

field-name-ar = الاسم بالعربية
field-name-en = الاسم بالإنجليزية
field-slug = الاسم المختصر
field-slug-hint = يُستعمل في العناوين: أحرف لاتينية صغيرة وأرقام وشرطات، مثل al-amal
field-display-name = الاسم
field-email = البريد الإلكتروني
field-password = كلمة المرور
field-password-hint = عشرة أحرف على الأقل
field-current-password = كلمة المرور الحالية
field-new-password = كلمة المرور الجديدة
field-initial-password = كلمة المرور الأولى (لحساب جديد)
field-description = الوصف
field-role = الدور
field-sector = القطاع
field-status = الحالة
field-region = المنطقة
field-head-name = ربّ الأسرة
field-national-id = رقم الهوية
field-optional = اختياري
field-phone = الهاتف
field-address = العنوان
field-household-size = عدد أفراد الأسرة
field-vulnerabilities = أوجه الهشاشة
field-consent = توافق الأسرة على مشاركة احتياجاتها مع الجمعيات الأخرى دون ما يدل على هويتها
field-consent-hint = لا يمكن إظهار احتياجات أسرة خارج هذه المنظمة إلا بموافقتها. الأسماء وأرقام الهواتف والهويات والعناوين لا تُشارك أبداً.
field-assigned-to = الباحث الاجتماعي
field-item = الصنف
field-item-hint = ما المطلوب، مثل سلة غذائية أو بطانية أو إيجار
field-quantity = الكمية
field-unit = الوحدة
field-unit-hint = مثل سلة، كغ، شهر
field-quantity-met = الكمية المقدَّمة
field-urgency = درجة الاستعجال
field-needed-by = مطلوب قبل
field-date-hint = سنة-شهر-يوم، مثل ٢٠٢٦-١٢-٣١
field-public-summary = وصف عام
field-public-summary-hint = ما يمكن للمتبرعين والجمعيات الأخرى قراءته. لا تكتب أسماء أو أرقام هواتف أو عناوين.
field-visibility = الظهور
field-cancelled = إلغاء هذا الاحتياج

action-save = حفظ
action-change = تغيير
action-remove = إزالة
action-create = إنشاء
action-filter = تصفية
action-edit = تعديل

dashboard-title = لوحة المتابعة
dashboard-open-cases = الحالات المفتوحة: { $count }
dashboard-open-needs = الاحتياجات غير الملبّاة: { $count }
dashboard-needs-by-sector = الاحتياجات المفتوحة حسب القطاع والأولوية
dashboard-no-needs = لا توجد احتياجات مفتوحة.
total = المجموع

case = الحالة
cases-title = الحالات
cases-new = تسجيل أسرة
cases-edit = تعديل بيانات الأسرة
cases-none = لا توجد حالات مطابقة.
cases-close = إغلاق الحالة
cases-reopen = إعادة فتح الحالة

needs-title = الاحتياجات
needs-new = احتياج جديد
needs-edit = تعديل الاحتياج
needs-none = لا توجد احتياجات.
needs-new-community = احتياج مجتمعي جديد
needs-community = مجتمعي
needs-community-help = الاحتياج المجتمعي يخص المنظمة لا أسرة بعينها.
needs-add-for-case = إضافة احتياج

settings-title = إعدادات المنظمة
saved = تم الحفظ.
settings-node-key = مفتاح توقيع العقدة
settings-node-key-help = تستعمل العقد الأخرى هذا المفتاح العام للتحقق من أن الاحتياجات المشاركة صادرة فعلاً عن هذه العقدة.

members-title = الأعضاء
members-add = إضافة عضو
members-add-help = إن لم يكن للبريد حساب بعد يُنشأ حساب بكلمة المرور الأولى، وإلا يُضاف الحساب الموجود.

operator-title = تشغيل العقدة
operator-help = المنظمات المستضافة على هذه العقدة. يدير المشغّلون العقدة ولا يرون حالات أي منظمة.
operator-members = الأعضاء
operator-new-org = منظمة جديدة
operator-grant-help = امنح أحدهم دوراً في المنظمة الجديدة بالأمر: sanad user grant --email … --org … --role admin

filter-text = بحث
filter-any = الكل
filter-active = غير ملبّاة (مفتوحة أو ملبّاة جزئياً)
list-total = النتائج: { $count }
page-previous = السابق
page-next = التالي
page-of = الصفحة { $page } من { $pages }

form-has-errors = يرجى تصحيح الحقول المشار إليها أدناه.
yes = نعم
no = لا
notes-title = الملاحظات
notes-none = لا توجد ملاحظات بعد.
notes-add = إضافة ملاحظة
history-title = السجل
history-when = متى
history-who = من
history-what = ماذا
former-member = عضو سابق

audit-case-create = سجّل الأسرة
audit-case-update = عدّل البيانات
audit-case-view = اطّلع على الحالة
audit-case-close = أغلق الحالة
audit-case-reopen = أعاد فتح الحالة
audit-case-note = أضاف ملاحظة

err-required = هذا الحقل مطلوب.
err-too-long = هذا النص أطول من المسموح.
err-control-chars = يحتوي هذا على رموز غير مسموحة.
err-negative = لا يمكن أن تكون القيمة سالبة.
err-out-of-range = هذا الرقم خارج الحدود المسموحة.
err-not-a-number = أدخل عدداً صحيحاً.
err-date = أدخل التاريخ بصيغة سنة-شهر-يوم، مثل ٢٠٢٦-١٢-٣١.
err-unknown-choice = اختر أحد الخيارات المعروضة.
err-phone = أدخل رقم هاتف من ٥ إلى ٢٠ رقماً.
err-email = أدخل بريداً إلكترونياً صحيحاً.
err-slug = استعمل من ٢ إلى ٦٤ حرفاً لاتينياً صغيراً أو رقماً أو شرطة، يبدأ بحرف.
err-password-short = يجب أن تتكون كلمة المرور من عشرة أحرف على الأقل.
err-validation = بعض الحقول غير صحيحة.
err-media-type = نوع المحتوى هذا غير مقبول.
err-too-large = الطلب أكبر من المسموح.
err-unauthorized = يرجى تسجيل الدخول أو إرسال رمز صالح.
err-forbidden = دورك لا يسمح بهذا.
err-not-found = غير موجود.
err-rate-limited = محاولات كثيرة. انتظر دقيقة ثم حاول مجدداً.
err-internal = حدث خطأ من جهتنا وقد سُجّل.
err-csrf = انتهت صلاحية هذا النموذج. ارجع وأعد تحميل الصفحة ثم حاول مجدداً.
err-method = هذه الطريقة غير مسموحة هنا.
err-bad-request = الطلب غير سليم.
err-bad-form = بيانات النموذج غير سليمة.
err-malformed-json = المحتوى ليس JSON صالحاً.
err-json-type = نوع هذه القيمة غير صحيح.
err-slug-taken = هذا الاسم المختصر مستعمل.
err-email-taken = يوجد حساب بهذا البريد.
err-unknown-role = دور غير معروف: استعمل admin أو caseworker أو storekeeper أو viewer.
err-no-such-user = لا يوجد حساب بهذا البريد.
err-no-such-org = لا توجد منظمة بهذا الاسم المختصر.
err-not-a-member = هذا المستخدم ليس عضواً في هذه المنظمة.
err-role-above-membership = لا يمكن أن يكون للرمز دور أعلى من دور صاحبه.
err-last-admin = يجب أن يبقى للمنظمة مدير واحد على الأقل.
err-wrong-password = كلمة المرور الحالية خاطئة.
err-unknown-region = منطقة غير معروفة.
err-not-a-caseworker = اختر باحثاً اجتماعياً أو مديراً في هذه المنظمة.
err-unknown-case = حالة غير معروفة.
err-met-above-quantity = لا يمكن أن تتجاوز الكمية المقدَّمة الكمية المطلوبة.
err-no-consent = لم توافق الأسرة على المشاركة؛ أبقِ هذا الاحتياج خاصاً.
err-summary-identifies = يجب ألا يحتوي الوصف العام على اسم الأسرة أو هاتفها أو رقم هويتها.
err-bad-credentials = البريد الإلكتروني أو كلمة المرور خاطئة.
err-unknown-language = لغة غير معروفة.

sector-food = غذاء
sector-shelter = مأوى
sector-health = صحة
sector-wash = مياه وصرف صحي ونظافة
sector-education = تعليم
sector-protection = حماية
sector-cash = مساعدات نقدية
sector-nfi = مواد غير غذائية
sector-livelihoods = سبل العيش
sector-psychosocial = دعم نفسي اجتماعي

vuln-elderly = مسنّ
vuln-disability = شخص ذو إعاقة
vuln-chronic-illness = مرض مزمن
vuln-pregnant-lactating = حامل أو مرضع
vuln-female-headed = أسرة تعيلها امرأة
vuln-child-headed = أسرة يعيلها طفل
vuln-unaccompanied-minor = قاصر غير مصحوب
vuln-displaced = نازح
vuln-injured = مصاب
vuln-orphan = يتيم

urgency-low = منخفضة
urgency-medium = متوسطة
urgency-high = عالية
urgency-critical = حرجة

case-status-open = مفتوحة
case-status-closed = مغلقة

need-status-open = مفتوح
need-status-partly-met = ملبّى جزئياً
need-status-met = ملبّى
need-status-cancelled = ملغى

visibility-private = هذه المنظمة فقط
visibility-network = الجمعيات الأعضاء
visibility-public = عام

role-admin = مدير
role-caseworker = باحث اجتماعي
role-storekeeper = أمين مخزن
role-viewer = مُشاهِد

field-admin-email = بريد المدير الأول
field-admin-email-hint = اختياري: حساب موجود يصبح مدير المنظمة.
err-conflict = غيّر شخص آخر هذا في اللحظة نفسها. أعد تحميل الصفحة وحاول مجدداً.
err-already-member = هذا الشخص عضو بالفعل؛ غيّر دوره من القائمة أعلاه.

err-currency = أدخل رمز عملة من ثلاثة أحرف مثل USD أو EUR أو ILS.
err-item-in-use = لهذا الصنف حركات مخزون؛ لا يمكن تغيير نوعه أو وحدته.
err-insufficient-stock = المخزون غير كافٍ: لا يحوي المستودع هذه الكمية من الصنف.
err-stock-reserved = جزء من هذا المخزون محجوز لعرض؛ اسحب العرض أو وزّع كمية أقل.
err-zero = لا يمكن أن تكون الكمية صفراً.
err-expiry-past = تاريخ الانتهاء مضى؛ سجّل المخزون المنتهي كفاقد بدلاً من ذلك.
err-lot-expiry-mismatch = هذه الدفعة موجودة بتاريخ انتهاء مختلف.
err-same-warehouse = اختر مستودعاً آخر للنقل إليه.
err-unknown-item = صنف غير معروف.
err-unknown-warehouse = مستودع غير معروف.
err-date-in-future = هذا التاريخ في المستقبل.
err-date-past = هذا التاريخ مضى.
err-not-a-member-here = اختر عضواً في هذه المنظمة.
err-case-closed = هذه الحالة مغلقة؛ أعد فتحها أولاً.
err-unknown-need = احتياج غير معروف.
err-need-of-other-case = هذا الاحتياج يخص أسرة أخرى.
err-need-cancelled = هذا الاحتياج ملغى.
err-no-lines = أضف صنفاً واحداً على الأقل.
err-exceeds-need = هذا أكثر مما بقي من الاحتياج؛ عدّل الاحتياج أولاً.
err-no-cases = اختر أسرة واحدة على الأقل.
err-too-many = العدد كبير: اختر ١٠٠٠ على الأكثر.
err-already-reversed = تم عكس هذا التوزيع من قبل.
err-offer-above-free = العرض أكبر من المخزون الحر (الموجود ناقص العروض الأخرى).
err-offer-not-active = هذا العرض لم يعد قائماً.
err-month = أدخل الشهر بصيغة سنة-شهر، مثل ٢٠٢٦-١١.

report-month = الشهر
report-received = الوارد
report-distributed = الموزَّع
report-transferred-out = المنقول لجهات أخرى
report-lost = الفاقد
report-adjusted = التسويات
