package messages

import (
	"fmt"
	"strings"

	"golang.org/x/text/language"
)

// The two languages of the catalogue. TraditionalChinese is Taiwan's
// zh-TW, which BCP 47 matching treats as zh-Hant-TW.
var (
	TraditionalChinese = language.MustParse("zh-TW")
	English            = language.English
)

// Default is the language used when the locale names no supported one.
var Default = TraditionalChinese

// localeVariables are read in this order, as POSIX gives them precedence
// for message texts: the first that is set and not empty decides.
var localeVariables = []string{"LC_ALL", "LC_MESSAGES", "LANG"}

// Lang returns the language for a process environment, read through env
// (os.Getenv in a program). The first non-empty of LC_ALL, LC_MESSAGES and
// LANG decides: a locale whose language is "en" (en, en_US.UTF-8, en-GB)
// selects English, and anything else selects zh-TW. The C and POSIX
// locales name no language, so they get the default, zh-TW, like an unset
// locale. GNU's LANGUAGE list is not read.
func Lang(env func(string) string) language.Tag {
	for _, name := range localeVariables {
		value := env(name)
		if value == "" {
			continue
		}
		if isEnglishLocale(value) {
			return English
		}
		return Default
	}
	return Default
}

// isEnglishLocale reports whether a POSIX locale name such as
// en_US.UTF-8 or en@euro has the language "en".
func isEnglishLocale(locale string) bool {
	rest, ok := strings.CutPrefix(strings.ToLower(locale), "en")
	if !ok {
		return false
	}
	return rest == "" || strings.ContainsRune("_-.@", rune(rest[0]))
}

// ParseLang parses a language option such as "en", "en-US", "zh-TW" or
// "zh_TW". Any English tag selects English and any Chinese tag zh-TW, the
// only Chinese of the catalogue. Other languages are an error.
func ParseLang(s string) (language.Tag, error) {
	tag, err := language.Parse(strings.ReplaceAll(s, "_", "-"))
	if err != nil {
		return language.Und, fmt.Errorf("invalid language %q: use en or zh-TW", s)
	}
	base, _ := tag.Base()
	switch base.String() {
	case "en":
		return English, nil
	case "zh":
		return TraditionalChinese, nil
	}
	return language.Und, fmt.Errorf("unsupported language %q: use en or zh-TW", s)
}

// supported returns the catalogue language for tag: English for any
// English tag, zh-TW for anything else.
func supported(tag language.Tag) language.Tag {
	if base, _ := tag.Base(); base.String() == "en" {
		return English
	}
	return TraditionalChinese
}
