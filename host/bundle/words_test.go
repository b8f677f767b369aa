package bundle

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/reprokit/reprokit/host/spool"
)

// A recording made with a Korean popup (or --lang ko) gets SUPPORT_REQUEST.md
// and the report's labels in Korean, with the popup's own words; an
// English or unknown language gets English.
func TestTheSupportRequestAndTheReportSpeakTheReportersLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want []string
		not  []string
	}{
		{"ko", []string{"# 지원 요청", "| 문제 설명 |", "| 재현 단계 |", "| 시각 |", "| 계정 이메일 및 요금제 |", "| 워크스페이스 또는 조직 ID |",
			"## 무엇이 잘못되었나요", "## 제거된 비밀 정보", "## 첨부"}, []string{"# Support request", "Problem description", "(비밀번호는"}},
		{"en-US", []string{"# Support request", "| Problem description |", "| Steps to reproduce |", "| Account email and plan |",
			"## What went wrong", "## Removed secrets"}, []string{"지원"}},
		{"", []string{"# Support request"}, nil},
		{"fr-FR", []string{"# Support request"}, nil},
	} {
		t.Run("language "+tc.lang, func(t *testing.T) {
			f := sampleSession(t)
			dir := makeSpool(t, f)
			if err := dir.Update(func(m *spool.Meta) error { m.Language = tc.lang; return nil }); err != nil {
				t.Fatal(err)
			}
			res, err := Write(context.Background(), dir, t.TempDir()+"/", Options{})
			if err != nil {
				t.Fatal(err)
			}
			files := readZip(t, res.Path)
			sr := string(files["SUPPORT_REQUEST.md"])
			if tc.lang == "ko" && testing.Verbose() {
				t.Log(sr)
			}
			for _, w := range tc.want {
				if !strings.Contains(sr, w) {
					t.Errorf("SUPPORT_REQUEST.md lacks %q:\n%s", w, sr)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(sr, w) {
					t.Errorf("SUPPORT_REQUEST.md has %q:\n%s", w, sr)
				}
			}
			var m Manifest
			if err := json.Unmarshal(files["bundle.json"], &m); err != nil {
				t.Fatal(err)
			}
			if m.Recording.Language != tc.lang {
				t.Errorf("bundle.json's recording.language is %q, want %q", m.Recording.Language, tc.lang)
			}
			page := string(files["report.html"])
			wantLang := `\"lang\":\"` + Lang(tc.lang) + `\"`
			if !strings.Contains(page, `"lang":"`+Lang(tc.lang)+`"`) && !strings.Contains(page, wantLang) {
				t.Errorf("report.html's data does not say lang %s", Lang(tc.lang))
			}
			if tc.lang == "ko" {
				for _, w := range []string{"문제 설명", "발견 사항", "제거된 비밀 정보", "지원 요청"} {
					if !strings.Contains(page, w) {
						t.Errorf("report.html lacks the Korean label %q", w)
					}
				}
			}
		})
	}
}

// SUPPORT_REQUEST.md writes times for a person, with the zone, not as
// RFC 3339 with nanoseconds.
func TestTheSupportRequestWritesHumanTimestamps(t *testing.T) {
	f := sampleSession(t)
	dir := makeSpool(t, f)
	res, err := Write(context.Background(), dir, t.TempDir()+"/", Options{})
	if err != nil {
		t.Fatal(err)
	}
	sr := string(readZip(t, res.Path)["SUPPORT_REQUEST.md"])
	if regexp.MustCompile(`\d{2}:\d{2}:\d{2}\.\d{3,9}`).MatchString(sr) || regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:`).MatchString(sr) {
		t.Errorf("SUPPORT_REQUEST.md has raw RFC 3339 times:\n%s", sr)
	}
	if !regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [A-Z]{2,5} \([+-]\d{2}:\d{2}\)`).MatchString(sr) {
		t.Errorf("SUPPORT_REQUEST.md has no human timestamp with its zone:\n%s", sr)
	}
}

func TestHumanTime(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone database")
	}
	seoul, _ := time.LoadLocation("Asia/Seoul")
	for _, tc := range []struct {
		in   string
		loc  *time.Location
		want string
	}{
		{"2026-12-07T13:03:05.123456789Z", paris, "2026-12-07 14:03:05 CET (+01:00)"},
		{"2026-07-07T13:03:05Z", paris, "2026-07-07 15:03:05 CEST (+02:00)"},
		{"2026-12-07T13:03:05.5Z", seoul, "2026-12-07 22:03:05 KST (+09:00)"},
		{"2026-12-07T14:03:05.5+01:00", nil, "2026-12-07 14:03:05 (+01:00)"},
		{"?", paris, "?"},
	} {
		if got := HumanTime(tc.in, tc.loc); got != tc.want {
			t.Errorf("HumanTime(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLangAndSystemLanguage(t *testing.T) {
	for tag, want := range map[string]string{"ko": "ko", "ko-KR": "ko", "ko_KR.UTF-8": "ko", "KO": "ko", "en-US": "en", "": "en", "kok": "en", "fr": "en"} {
		if got := Lang(tag); got != want {
			t.Errorf("Lang(%q) = %q, want %q", tag, got, want)
		}
	}
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "ko_KR.UTF-8")
	if got := SystemLanguage(); got != "ko-KR" {
		t.Errorf("SystemLanguage with LANG=ko_KR.UTF-8 = %q", got)
	}
	t.Setenv("LC_ALL", "C")
	if got := SystemLanguage(); got != "" {
		t.Errorf("SystemLanguage with LC_ALL=C = %q", got)
	}
}

// The removed secrets in plain words use the popup's messages, with its
// plurals, in both languages.
func TestRedactedInWords(t *testing.T) {
	red := json.RawMessage(`{"total":30,"counts":[{"rule":"email","kind":"email","count":2},{"rule":"secret-param","kind":"token","count":25},{"rule":"card","kind":"card","count":1},{"rule":"cookie","kind":"cookie","count":2}]}`)
	if got, want := strings.Join(WordsFor("en").RedactedInWords(red), "; "), "2 email addresses; 1 card number; 2 cookies; 25 tokens in links and forms"; got != want {
		t.Errorf("English: %q, want %q", got, want)
	}
	if got, want := strings.Join(WordsFor("ko-KR").RedactedInWords(red), "; "), "이메일 주소 2개; 카드 번호 1개; 쿠키 2개; 링크와 양식의 토큰 25개"; got != want {
		t.Errorf("Korean: %q, want %q", got, want)
	}
	if got := WordsFor("ko").Label("fieldEmail"); got != "계정 이메일" {
		t.Errorf("the Korean email label is %q", got)
	}
}

// Every catalog has every message the host writes.
func TestEveryLanguageHasTheHostsWords(t *testing.T) {
	wordsOnce.Do(loadCatalogs)
	keys := append([]string{"reviewRedactions", "supportTitle", "supportPrepared", "supportWhat", "supportDetail", "supportSteps", "supportNoSteps",
		"supportTimestamps", "supportRecorded", "supportFirstFailure", "supportAccount", "supportRequestIDs", "supportNoRequestIDs", "supportVisuals",
		"supportWhatWentWrong", "supportNotGiven", "supportAttached"}, reportWords...)
	for _, g := range redactionWords {
		keys = append(keys, g.one, g.many)
	}
	for _, l := range Languages {
		for _, k := range keys {
			if catalogs[l][k] == "" {
				t.Errorf("extension/_locales/%s/messages.json has no %s", l, k)
			}
		}
	}
}
