package sticky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Every sentence sticky shows a person comes from its message catalogue
// (catalogue.go): an id, such as "upload.too_large", and a text in each
// language, with placeholders in braces ("{limit}") that sticky fills in.
// The language of a request is Config.Language's choice, or its
// Accept-Language header's; Config.Messages overrides texts and adds
// languages. See docs/languages.md.

// DefaultLanguage is the language spoken when no other is chosen, and the
// one that fills in the messages a language added with Config.Messages
// leaves out.
const DefaultLanguage = "en"

// DefaultMessages returns a copy of sticky's own texts in lang ("en",
// "de", "fr" or "es"), by message id; nil for a language sticky does not
// ship. DefaultMessages("en") lists every id, and is where a translation
// for Config.Messages starts.
func DefaultMessages(lang string) map[string]string {
	i := slices.Index(builtinLanguages, lang)
	if i < 0 {
		return nil
	}
	m := make(map[string]string, len(catalogue))
	for id, t := range catalogue {
		m[id] = t[i]
	}
	return m
}

// builtinLanguages are the languages of catalogue's texts, in their order.
var builtinLanguages = []string{"en", "de", "fr", "es"}

// phrasebook is the catalogue as one Uploader speaks it: sticky's texts,
// with Config.Messages over them.
type phrasebook struct {
	langs  []string                     // every language known, lower case
	custom map[string]map[string]string // Config.Messages, by lower-case language
	client map[string]string            // the client messages' JSON by language, where not the script's own
}

// newPhrasebook checks c.Messages and makes the phrasebook of an Uploader.
func newPhrasebook(custom map[string]map[string]string) (*phrasebook, error) {
	p := &phrasebook{langs: slices.Clone(builtinLanguages), custom: map[string]map[string]string{}}
	for _, lang := range slices.Sorted(maps.Keys(custom)) {
		if !validLanguage(lang) {
			return nil, fmt.Errorf("sticky: Config.Messages: %q is not a language tag such as \"de\" or \"pt-BR\"", lang)
		}
		key := strings.ToLower(lang)
		if p.custom[key] != nil {
			return nil, fmt.Errorf("sticky: Config.Messages names %q twice", lang)
		}
		texts := map[string]string{}
		for id, text := range custom[lang] {
			t, ok := catalogue[id]
			if !ok {
				return nil, fmt.Errorf("sticky: Config.Messages[%q]: no message has the id %q (see DefaultMessages)", lang, id)
			}
			if bad := strangePlaceholder(text, t[0]); bad != "" {
				return nil, fmt.Errorf("sticky: Config.Messages[%q][%q]: the placeholder %s is not one of the message's", lang, id, bad)
			}
			texts[id] = text
		}
		p.custom[key] = texts
		if !slices.Contains(p.langs, key) {
			p.langs = append(p.langs, key)
		}
	}
	p.client = map[string]string{}
	english := clientJSON(builtinPhrasebook, DefaultLanguage)
	for _, lang := range p.langs {
		if j := clientJSON(p, lang); j != english {
			p.client[lang] = j
		}
	}
	return p, nil
}

// builtinPhrasebook speaks sticky's own texts, for errors met outside an
// Uploader.
var builtinPhrasebook = &phrasebook{langs: builtinLanguages}

// text returns message id in lang: the app's text, else sticky's, else
// the same in English. An unknown id is returned as it is.
func (p *phrasebook) text(lang, id string) string {
	if p == nil {
		p = builtinPhrasebook
	}
	for _, l := range []string{lang, DefaultLanguage} {
		if t, ok := p.custom[l][id]; ok {
			return t
		}
		if i := slices.Index(builtinLanguages, l); i >= 0 {
			if t, ok := catalogue[id]; ok {
				return t[i]
			}
		}
	}
	return id
}

// message is a sentence to say: its id and the values of its placeholders,
// put into words in the language it is said in.
type message struct {
	id   string
	args []any // name, value, name, value...: see word
}

// Values of placeholders that need words of the language they are said in.
type (
	byteCount int64         // a size: "20 MiB", "812 bytes"
	seconds   int           // "1 second", "30 seconds"
	duration  time.Duration // whole minutes ("2 minutes"), else seconds rounded up ("90 seconds")
	typeList  []string      // accepted types: "an image or a PDF"
)

// say puts m into words in lang. Each placeholder is filled once: the text
// of a value is never read for placeholders.
func (p *phrasebook) say(lang string, m message) string {
	t := p.text(lang, m.id)
	if len(m.args) == 0 || !strings.Contains(t, "{") {
		return t
	}
	vals := make(map[string]string, len(m.args)/2)
	for i := 0; i+1 < len(m.args); i += 2 {
		name, _ := m.args[i].(string)
		vals[name] = p.word(lang, m.args[i+1])
	}
	return fill(t, vals)
}

// fill replaces each {name} of t that vals names by its value.
func fill(t string, vals map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '{')
		j := strings.IndexByte(t[i+1:], '}')
		if i < 0 || j < 0 {
			break
		}
		v, ok := vals[t[i+1:i+1+j]]
		if !ok {
			b.WriteString(t[:i+1])
			t = t[i+1:]
			continue
		}
		b.WriteString(t[:i])
		b.WriteString(v)
		t = t[i+2+j:]
	}
	b.WriteString(t)
	return b.String()
}

// word puts a placeholder's value into words in lang.
func (p *phrasebook) word(lang string, v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case byteCount:
		return p.size(lang, int64(v))
	case int64: // RefuseWith's sizes
		return p.size(lang, v)
	case seconds:
		if v == 1 {
			return p.text(lang, "unit.second")
		}
		return fill(p.text(lang, "unit.seconds"), map[string]string{"n": strconv.Itoa(int(v))})
	case duration:
		if v >= duration(time.Minute) && v%duration(time.Minute) == 0 {
			if n := int(v / duration(time.Minute)); n != 1 {
				return fill(p.text(lang, "unit.minutes"), map[string]string{"n": strconv.Itoa(n)})
			}
			return p.text(lang, "unit.minute")
		}
		return p.word(lang, seconds(max(1, (v+duration(time.Second)-1)/duration(time.Second))))
	case typeList:
		return p.types(lang, v)
	case message:
		return p.say(lang, v)
	}
	return fmt.Sprint(v)
}

// size is SizeString in lang: its words for bytes and its decimal point.
func (p *phrasebook) size(lang string, n int64) string {
	s := SizeString(n)
	switch {
	case n == 1:
		return p.text(lang, "size.byte")
	case n < 1024:
		return fill(p.text(lang, "size.bytes"), map[string]string{"n": strconv.FormatInt(n, 10)})
	}
	return strings.Replace(s, ".", p.text(lang, "size.point"), 1)
}

// types names accepted types in words: "an image, a PDF or a text file".
func (p *phrasebook) types(lang string, patterns []string) string {
	words := make([]string, 0, len(patterns))
	for _, pat := range patterns {
		pat = strings.ToLower(strings.TrimSpace(pat))
		var w string
		if id, ok := typeWords[pat]; ok {
			w = p.text(lang, id)
		} else if strings.HasPrefix(pat, ".") {
			w = fill(p.text(lang, "type.extension"), map[string]string{"ext": pat})
		} else {
			w = fill(p.text(lang, "type.other"), map[string]string{"type": pat})
		}
		if !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	if len(words) == 1 {
		return words[0]
	}
	return fill(p.text(lang, "list.or"), map[string]string{"list": strings.Join(words[:len(words)-1], ", "), "last": words[len(words)-1]})
}

// strangePlaceholder returns the first {name} in text that english does
// not have, or "".
func strangePlaceholder(text, english string) string {
	for rest := text; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return ""
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return ""
		}
		name := rest[i : i+j+1]
		if validName(name[1:len(name)-1]) && !strings.Contains(english, name) {
			return name
		}
		rest = rest[i+j+1:]
	}
}

func validName(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_')
	}) < 0
}

// clientMessages maps the client script's message names
// (StickyUploads.messages) to catalogue ids: every "client." id, and the
// words of sizes.
var clientMessages = func() map[string]string {
	m := map[string]string{"byte": "size.byte", "bytes": "size.bytes", "point": "size.point"}
	for id := range catalogue {
		if name, ok := strings.CutPrefix(id, "client."); ok {
			m[name] = id
		}
	}
	return m
}()

// clientJSON is the client script's messages in lang, as JSON.
func clientJSON(p *phrasebook, lang string) string {
	m := make(map[string]string, len(clientMessages))
	for name, id := range clientMessages {
		m[name] = p.text(lang, id)
	}
	b, _ := json.Marshal(m) // sorted keys: the same text for the same messages
	return string(b)
}

// Language returns the language sticky speaks to r, one of those it knows
// (sticky's own, "en", "de", "fr" and "es", and those of Config.Messages):
// Config.Language's choice when it makes one, else the best of r's
// Accept-Language that sticky knows, else English. A regional tag falls
// back to its language: "de-AT" speaks "de". Pass it to Widget.Language
// and UploadList.Language, and to Message.
func (u *Uploader) Language(r *http.Request) string {
	if u.language != nil {
		if lang := u.words.match(u.language(r)); lang != "" {
			return lang
		}
	}
	// Several Accept-Language lines are one list (RFC 9110, 5.3).
	for _, tag := range parseAcceptLanguage(strings.Join(r.Header.Values("Accept-Language"), ",")) {
		if lang := u.words.match(tag); lang != "" {
			return lang
		}
	}
	return DefaultLanguage
}

// match returns the language known that speaks tag, or "": the tag
// itself, or the tag with its last subtags cut ("pt-BR-x" → "pt-BR" →
// "pt"), compared without regard to case.
func (p *phrasebook) match(tag string) string {
	tag = strings.ToLower(tag)
	for tag != "" {
		if slices.Contains(p.langs, tag) {
			return tag
		}
		i := strings.LastIndexByte(tag, '-')
		if i < 0 {
			break
		}
		tag = tag[:i]
	}
	return ""
}

// Message returns the sentence that err says to a person in lang (see
// Language): the sentence of an error of sticky's (from ReadForm,
// Form.File, Form.Files, Permanent.Save...) in lang with this Uploader's
// messages, the message of a Refuse error as it is, and for any other
// error a general sentence, as the endpoint would answer. The errors of
// a Form already speak its request's language in err.Error(); Message
// says any error in any language. Joined errors (Form.Files) give a line
// each.
func (u *Uploader) Message(err error, lang string) string {
	var ue *userError
	switch joined, ok := err.(interface{ Unwrap() []error }); {
	case err == nil:
		return ""
	case errors.As(err, &ue) && err == error(ue):
	case ok:
		lines := []string{}
		for _, e := range joined.Unwrap() {
			if s := u.Message(e, lang); s != "" {
				lines = append(lines, s)
			}
		}
		return strings.Join(lines, "\n")
	case ue == nil:
		ue = &userError{msg: message{id: "upload.failed"}}
	}
	return ue.sayIn(u.words, cmp(u.words.match(lang), DefaultLanguage))
}

// speaking is the language of a request the Uploader serves, chosen on
// first need.
type speaking struct {
	u    *Uploader
	r    *http.Request
	once sync.Once
	lang string
}

type speakingKey struct{}

// withLanguage gives r's context the language of r, for the replies to
// it and for LanguageOf.
func (u *Uploader) withLanguage(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), speakingKey{}, &speaking{u: u, r: r}))
}

// speaker returns the phrasebook and language of ctx's request; sticky's
// own texts in English outside a request.
func speaker(ctx context.Context) (*phrasebook, string) {
	s, _ := ctx.Value(speakingKey{}).(*speaking)
	if s == nil {
		return builtinPhrasebook, DefaultLanguage
	}
	s.once.Do(func() { s.lang = s.u.Language(s.r) })
	return s.u.words, s.lang
}

// LanguageOf returns the language (see Uploader.Language) of the person
// whose upload is being handled, for Config.Before or a Processor to
// Refuse in their words; DefaultLanguage outside an upload.
func LanguageOf(ctx context.Context) string {
	_, lang := speaker(ctx)
	return lang
}

// validLanguage accepts a language tag as Accept-Language carries one:
// 1 to 8 letters, then subtags of 1 to 8 letters or digits, joined by "-".
func validLanguage(s string) bool {
	for i, sub := range strings.Split(s, "-") {
		if len(sub) < 1 || len(sub) > 8 {
			return false
		}
		for j := 0; j < len(sub); j++ {
			c := sub[j] | 0x20
			if !(c >= 'a' && c <= 'z' || i > 0 && sub[j] >= '0' && sub[j] <= '9') {
				return false
			}
		}
	}
	return true
}

// maxLanguageRanges bounds the ranges read from one Accept-Language header.
const maxLanguageRanges = 32

// parseAcceptLanguage returns the language ranges of an Accept-Language
// header (RFC 9110, 12.5.4), the most wanted first, without "*" and those
// of weight 0. An element that does not parse is skipped, and only the
// first maxLanguageRanges elements are read.
func parseAcceptLanguage(h string) []string {
	type ranged struct {
		tag string
		q   int // thousandths
	}
	var rs []ranged
	for n := 0; h != "" && n < maxLanguageRanges; n++ {
		var elem string
		elem, h, _ = strings.Cut(h, ",")
		tag, params, _ := strings.Cut(elem, ";")
		tag = strings.Trim(tag, " \t")
		q := 1000
		if params != "" {
			var ok bool
			if q, ok = parseWeight(params); !ok {
				continue
			}
		}
		if tag == "" || q == 0 || tag == "*" || !validLanguage(tag) {
			continue
		}
		rs = append(rs, ranged{tag, q})
	}
	slices.SortStableFunc(rs, func(a, b ranged) int { return b.q - a.q })
	tags := make([]string, len(rs))
	for i, r := range rs {
		tags[i] = r.tag
	}
	return tags
}

// parseWeight reads `q=0.8` (with optional white space around it) as 800
// thousandths; RFC 9110's qvalue: 0 to 1 with up to three decimals.
func parseWeight(s string) (int, bool) {
	s = strings.Trim(s, " \t")
	v, ok := strings.CutPrefix(s, "q=")
	if !ok {
		if v, ok = strings.CutPrefix(s, "Q="); !ok {
			return 0, false
		}
	}
	whole, frac, _ := strings.Cut(v, ".")
	if whole != "0" && whole != "1" || len(frac) > 3 {
		return 0, false
	}
	q := 0
	for i := 0; i < 3; i++ {
		q *= 10
		if i < len(frac) {
			d := frac[i]
			if d < '0' || d > '9' {
				return 0, false
			}
			q += int(d - '0')
		}
	}
	if whole == "1" {
		if q != 0 {
			return 0, false
		}
		return 1000, true
	}
	return q, true
}
