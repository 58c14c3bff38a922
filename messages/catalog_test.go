package messages

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// keyConstants returns every constant of type Key declared in the
// package's source files, parsed so that a key added without an entry is
// caught.
func keyConstants(t *testing.T) map[Key]string {
	t.Helper()
	fset := token.NewFileSet()
	keys := map[Key]string{}
	for _, name := range []string{"catalog.go", "printer.go", "errors.go", "lang.go"} {
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatalf("parsing %s: %v", name, err)
		}
		for _, decl := range file.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.CONST {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				if ident, ok := vs.Type.(*ast.Ident); !ok || ident.Name != "Key" {
					continue
				}
				for i, n := range vs.Names {
					value, err := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
					if err != nil {
						t.Fatalf("constant %s: %v", n.Name, err)
					}
					keys[Key(value)] = n.Name
				}
			}
		}
	}
	if len(keys) < 50 {
		t.Fatalf("found %d Key constants, expected the whole catalogue", len(keys))
	}
	return keys
}

func TestCatalogueHasEveryKeyOnce(t *testing.T) {
	seen := map[Key]bool{}
	for _, e := range Entries {
		if seen[e.Key] {
			t.Errorf("key %s has two entries", e.Key)
		}
		seen[e.Key] = true
	}
	for key, name := range keyConstants(t) {
		if !seen[key] {
			t.Errorf("constant %s (%s) has no entry in Entries", name, key)
		}
	}
}

func TestCatalogueHasBothTranslations(t *testing.T) {
	for _, e := range Entries {
		if strings.TrimSpace(e.ZH) == "" {
			t.Errorf("%s: zh-TW text is empty", e.Key)
		}
		if strings.TrimSpace(e.EN) == "" {
			t.Errorf("%s: English text is empty", e.Key)
		}
	}
}

// verbPattern matches fmt verbs, with an optional argument index.
var verbPattern = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*[a-zA-Z%]`)

// verbs returns a text's verbs in sorted order, numbering verbs without
// an index by their position, so that "%s %s" equals "%[2]s %[1]s".
func verbs(text string) []string {
	var out []string
	next := 1
	for _, v := range verbPattern.FindAllStringSubmatch(text, -1) {
		if v[0] == "%%" {
			continue
		}
		index := v[1]
		if index == "" {
			index = "[" + strconv.Itoa(next) + "]"
		} else {
			n, _ := strconv.Atoi(strings.Trim(index, "[]"))
			next = n
		}
		next++
		verb := v[0][len(v[0])-1:]
		if verb == "q" {
			// %q and %s take the same argument: a quoted name in English is
			// written with 「」 in zh-TW.
			verb = "s"
		}
		out = append(out, index+verb)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestCatalogueTranslationsTakeSameArguments(t *testing.T) {
	for _, e := range Entries {
		if e.Key == DateFormat {
			// The zh-TW date uses the month number (argument 2), the
			// English one the month name (argument 4).
			continue
		}
		zh, en := verbs(e.ZH), verbs(e.EN)
		if !slices.Equal(zh, en) {
			t.Errorf("%s: zh-TW verbs %v, English verbs %v", e.Key, zh, en)
		}
	}
}

func TestCatalogueRendersEveryKey(t *testing.T) {
	zh, en := New(TraditionalChinese), New(English)
	for _, e := range Entries {
		args := sampleArgs(e.ZH, e.EN)
		gotZH, gotEN := zh.Sprintf(e.Key, args...), en.Sprintf(e.Key, args...)
		for _, got := range []string{gotZH, gotEN} {
			if strings.Contains(got, "%!") {
				t.Errorf("%s renders with a format error: %q", e.Key, got)
			}
			if got == string(e.Key) {
				t.Errorf("%s renders as its key", e.Key)
			}
		}
		if gotZH == gotEN && e.ZH != e.EN {
			t.Errorf("%s renders the same in both languages: %q", e.Key, gotZH)
		}
	}
}

// sampleArgs returns arguments for the verbs of texts: 3 for %d, "x" for
// the others, up to the highest argument index.
func sampleArgs(texts ...string) []any {
	var all []string
	for _, text := range texts {
		all = append(all, verbs(text)...)
	}
	var args []any
	for _, v := range all {
		n, _ := strconv.Atoi(v[1:strings.Index(v, "]")])
		for len(args) < n {
			args = append(args, "x")
		}
		if strings.HasSuffix(v, "d") {
			args[n-1] = 3
		}
	}
	return args
}

// These are the activation guide's words, which the zh-TW texts must use
// exactly.
func TestCatalogueUsesGuideTerms(t *testing.T) {
	want := map[Key]string{
		LabelReader:       "讀卡機",
		LabelCard:         "卡片",
		LabelCardNumber:   "卡號",
		LabelUserCode:     "用戶代碼",
		LabelPIN:          "PIN碼",
		LabelHolder:       "卡片持有者資訊",
		LabelValidity:     "卡片效期",
		LabelStatus:       "憑證狀態",
		ProgressActivate:  "開卡作業進行中，請稍候…",
		ResultActivated:   "開卡成功",
		ResultPINChanged:  "PIN碼更改成功",
		ResultPINReset:    "PIN碼重設成功（解卡）",
		PromptUserCode:    "請輸入用戶代碼",
		PromptNewPIN:      "請輸入新的PIN碼",
		PromptNewPINAgain: "請再輸入一次新的PIN碼",
		PromptCurrentPIN:  "請輸入目前的PIN碼",
	}
	zh := New(TraditionalChinese)
	for key, text := range want {
		if got := zh.Sprintf(key); got != text {
			t.Errorf("%s = %q, want %q", key, got, text)
		}
	}
}
