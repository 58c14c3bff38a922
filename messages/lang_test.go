package messages

import (
	"testing"

	"golang.org/x/text/language"
)

func envOf(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestLangPicksFirstSetVariable(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want language.Tag
	}{
		{"unset", nil, TraditionalChinese},
		{"LANG English", map[string]string{"LANG": "en_US.UTF-8"}, English},
		{"LANG plain en", map[string]string{"LANG": "en"}, English},
		{"LANG en with modifier", map[string]string{"LANG": "en@euro"}, English},
		{"LANG BCP 47 form", map[string]string{"LANG": "en-GB"}, English},
		{"LANG zh_TW", map[string]string{"LANG": "zh_TW.UTF-8"}, TraditionalChinese},
		{"LANG C", map[string]string{"LANG": "C"}, TraditionalChinese},
		{"LANG C.UTF-8", map[string]string{"LANG": "C.UTF-8"}, TraditionalChinese},
		{"LANG POSIX", map[string]string{"LANG": "POSIX"}, TraditionalChinese},
		{"LANG French", map[string]string{"LANG": "fr_FR.UTF-8"}, TraditionalChinese},
		{"LANG not en prefix word", map[string]string{"LANG": "eng"}, TraditionalChinese},
		{"LC_MESSAGES over LANG", map[string]string{"LC_MESSAGES": "en_US.UTF-8", "LANG": "zh_TW.UTF-8"}, English},
		{"LC_ALL over LC_MESSAGES", map[string]string{"LC_ALL": "zh_TW.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, TraditionalChinese},
		{"LC_ALL English", map[string]string{"LC_ALL": "en_US.UTF-8", "LANG": "zh_TW.UTF-8"}, English},
		{"empty LC_ALL skipped", map[string]string{"LC_ALL": "", "LANG": "en_US.UTF-8"}, English},
		{"C in LC_ALL decides", map[string]string{"LC_ALL": "C", "LANG": "en_US.UTF-8"}, TraditionalChinese},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Lang(envOf(tc.env)); got != tc.want {
				t.Errorf("Lang(%v) = %v, want %v", tc.env, got, tc.want)
			}
		})
	}
}

func TestParseLangAcceptsBothLanguages(t *testing.T) {
	cases := map[string]language.Tag{
		"en":         English,
		"en-US":      English,
		"en_US":      English,
		"EN":         English,
		"zh-TW":      TraditionalChinese,
		"zh_TW":      TraditionalChinese,
		"zh-Hant-TW": TraditionalChinese,
		"zh":         TraditionalChinese,
	}
	for input, want := range cases {
		got, err := ParseLang(input)
		if err != nil {
			t.Errorf("ParseLang(%q) failed: %v", input, err)
			continue
		}
		if got != want {
			t.Errorf("ParseLang(%q) = %v, want %v", input, got, want)
		}
	}
}

func TestParseLangRejectsOthers(t *testing.T) {
	for _, input := range []string{"", "fr", "ja-JP", "not a tag"} {
		if tag, err := ParseLang(input); err == nil {
			t.Errorf("ParseLang(%q) = %v, want an error", input, tag)
		}
	}
}

func TestNewMatchesTagToCatalogue(t *testing.T) {
	cases := map[string]language.Tag{
		"en-GB":      English,
		"zh-Hant-TW": TraditionalChinese,
		"zh-TW":      TraditionalChinese,
		"fr":         TraditionalChinese,
	}
	for input, want := range cases {
		if got := New(language.MustParse(input)).Tag(); got != want {
			t.Errorf("New(%s).Tag() = %v, want %v", input, got, want)
		}
	}
}
