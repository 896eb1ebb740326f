package sticky

import (
	"bytes"
	"html/template"
)

// Widget describes one sticky file input for Uploader.Widget.
type Widget struct {
	// Name is the form field's name. Its reference travels in "_" + Name.
	Name string
	// ID is the input's id, for <label for>. Default: Name.
	ID string
	// Required makes the field required; a kept file satisfies it.
	Required bool
	// Kept is the file kept from the previous post, shown with its name and
	// size and controls to replace or remove it. Nil when there is none. A
	// file Form.File returned with ErrProcessing is shown as being checked,
	// and the client script asks after it until its processors are done.
	Kept *File
	// Multiple lets the field take several files, read with Form.Files.
	Multiple bool
	// KeptFiles are the files a Multiple field keeps from the previous post,
	// each in a row with its name, size and a Remove control.
	KeptFiles []*File
	// Hint is help text shown with the field (for example the accepted
	// types and the size limit), tied to the input for screen readers.
	Hint string
	// Error is a message shown beside the field, such as the error of
	// Form.File. It is announced to screen readers.
	Error string
	// Accept is the input's accept attribute. Default: the field's Rules.
	Accept string
	// Endpoint is the URL the client script uploads to, for apps that wrap
	// the Uploader in a handler of their own. Default: Config.Path.
	Endpoint string
	// Language is the language of the field's labels and of what the
	// client script says: Uploader.Language(r) for the page's request.
	// Default: DefaultLanguage.
	Language string
}

var widgetTmpl = template.Must(template.New("widget").Parse(
	`<div class="sticky" data-sticky data-endpoint="{{.Endpoint}}"{{with .Tus}} data-tus="{{.}}"{{end}}{{with .Direct}} data-direct="{{.}}"{{end}}{{with .Words.Lang}} lang="{{.}}"{{end}}{{with .Words.Client}} data-messages="{{.}}"{{end}}` +
		`{{if .Multiple}} data-multiple{{end}}{{if .Required}} data-required{{end}}{{if .Any}} data-kept{{end}}{{if not .Multiple}}{{with .Kept}}{{with .Checking}} data-checking="{{.}}"{{end}}{{end}}{{end}}>` +
		`<input type="file" id="{{.ID}}" name="{{.Name}}"{{if .Multiple}} multiple{{end}}{{with .Accept}} accept="{{.}}"{{end}}` +
		`{{if and .Required (not .Any)}} required{{end}}{{if .Error}} aria-invalid="true"{{end}} aria-describedby="{{if .Hint}}{{.ID}}-hint {{end}}{{.ID}}-status {{.ID}}-error">` +
		// The hint and the error stand next to the input, near its label.
		`{{with .Hint}}<span class="sticky-hint" id="{{$.ID}}-hint">{{.}}</span>{{end}}` +
		`<span class="sticky-error" id="{{.ID}}-error" role="alert">{{.Error}}</span>` +
		`{{if .Multiple}}` +
		`<ul class="sticky-list"{{if not .Any}} hidden{{end}}>{{range .List}}` +
		`<li class="sticky-item" data-kept{{with .Checking}} data-checking="{{.}}"{{end}}><input type="hidden" name="_{{$.Name}}" value="{{.Ref}}">` +
		`<span class="sticky-name">{{.Name}}</span> <span class="sticky-size">{{.Size}}</span> ` +
		`<label class="sticky-remove-nojs"><input type="checkbox" name="_{{$.Name}}_remove" value="{{.Ref}}"> {{$.Words.Remove}}</label>` +
		`<button type="button" class="sticky-remove" aria-label="{{.RemoveLabel}}" hidden>{{$.Words.Remove}}</button></li>` +
		`{{end}}</ul>` +
		`<template class="sticky-item-template"><li class="sticky-item"><input type="hidden" name="_{{.Name}}" value="">` +
		`<span class="sticky-name"></span> <span class="sticky-size"></span> ` +
		`<progress class="sticky-progress" max="100" value="0" hidden></progress>` +
		`<button type="button" class="sticky-cancel" hidden>{{.Words.Cancel}}</button>` +
		`<button type="button" class="sticky-retry" hidden>{{.Words.Retry}}</button>` +
		`<button type="button" class="sticky-remove" hidden>{{.Words.Remove}}</button>` +
		`<span class="sticky-error" role="alert"></span></li></template>` +
		`{{else}}` +
		`<input type="hidden" name="_{{.Name}}" value="{{with .Kept}}{{.Ref}}{{end}}">` +
		`<div class="sticky-kept"{{if not .Kept}} hidden{{end}}>` +
		`<span class="sticky-name">{{with .Kept}}{{.Name}}{{end}}</span> ` +
		`<span class="sticky-size">{{with .Kept}}{{.Size}}{{end}}</span> ` +
		`<label class="sticky-remove-nojs"><input type="checkbox" name="_{{.Name}}_remove" value="1"> {{.Words.Remove}}</label>` +
		`<button type="button" class="sticky-replace" hidden>{{.Words.Replace}}</button>` +
		`<button type="button" class="sticky-remove" hidden>{{.Words.Remove}}</button>` +
		`</div>` +
		`<progress class="sticky-progress" max="100" value="0" hidden></progress>` +
		`<button type="button" class="sticky-cancel" hidden>{{.Words.Cancel}}</button>` +
		`<button type="button" class="sticky-retry" hidden>{{.Words.Retry}}</button>` +
		`{{end}}` +
		`<span class="sticky-status" id="{{.ID}}-status" role="status" aria-live="polite"></span>` +
		`</div>`))

// keptView is what the widget shows of a kept file. Checking is the
// status route's URL while its processors still run (Form.File returned
// it with ErrProcessing): the client script asks there until they are done.
type keptView struct{ Name, Size, Ref, RemoveLabel, Checking string }

// widgetWords are the words of a widget in one language: its controls'
// labels, the client script's messages as JSON ("" for the script's own
// English), and the language, when the app chose one, for the wrapper's
// lang attribute.
type widgetWords struct{ Remove, Replace, Cancel, Retry, Client, Lang string }

// widgetWords returns the words of a widget in lang.
func (u *Uploader) widgetWords(lang string) widgetWords {
	chosen := lang != ""
	lang = cmp(u.words.match(lang), DefaultLanguage)
	t := func(id string) string { return u.words.text(lang, id) }
	w := widgetWords{Remove: t("widget.remove"), Replace: t("widget.replace"), Cancel: t("widget.cancel"),
		Retry: t("widget.retry"), Client: u.words.client[lang]}
	if chosen {
		w.Lang = lang
	}
	return w
}

// Widget renders a sticky file field: the native file input, the hidden
// field with the kept file's reference, the kept file's name and size with
// Replace and Remove controls, and the progress and message elements the
// client script drives. Every value is escaped. Without the client script
// the field is a plain file input whose bytes ReadForm keeps.
func (u *Uploader) Widget(f Widget) template.HTML {
	data := struct {
		Widget
		Kept   *keptView
		List   []keptView
		Any    bool   // something is kept
		Tus    string // the resumable endpoint, for big files
		Direct string // the direct-upload routes, with Config.Direct
		Words  widgetWords
	}{Widget: f, Words: u.widgetWords(f.Language)}
	data.Tus, data.Direct = u.defaults(f.Name, &data.ID, &data.Accept, &data.Endpoint)
	lang := cmp(u.words.match(f.Language), DefaultLanguage)
	view := func(k *File) keptView {
		v := keptView{Name: k.Name, Size: u.words.size(lang, k.Size), Ref: k.Ref,
			RemoveLabel: u.words.say(lang, message{"client.removeNamed", []any{"name", k.Name}})}
		if k.processing && k.u != nil {
			v.Checking = k.u.statusURL(k)
		}
		return v
	}
	if f.Kept != nil {
		v := view(f.Kept)
		data.Kept = &v
	}
	for _, k := range f.KeptFiles {
		if k != nil {
			data.List = append(data.List, view(k))
		}
	}
	data.Any = f.Multiple && len(data.List) > 0 || !f.Multiple && f.Kept != nil
	var b bytes.Buffer
	if err := widgetTmpl.Execute(&b, data); err != nil {
		panic("sticky: widget template: " + err.Error()) // the template is fixed; only a bug gets here
	}
	return template.HTML(b.String())
}

// UploadList describes a standalone multi-file uploader for
// Uploader.UploadList: a page's list of uploads, outside any form, such as a
// gallery. The client script uploads each chosen, dropped or pasted file and
// reports it with DOM events (sticky:success per file, sticky:complete for
// the list); the page decides what to do with each server reply.
type UploadList struct {
	// Field names the rules that apply and the scope of the references.
	Field string
	// ID is the file input's id. Default: Field.
	ID string
	// Label is the text of a <label> for the input; empty renders none.
	Label string
	// Hint is help text tied to the input for screen readers.
	Hint string
	// Accept is the input's accept attribute. Default: the field's Rules.
	Accept string
	// Endpoint is the URL to upload to. Default: Config.Path, with big files
	// going through the resumable endpoint beside it.
	Endpoint string
	// Post gives each row a hidden "_" + Field input, so a form around the
	// list posts the references of its files.
	Post bool
	// Language is the language of the list's controls and of what the
	// client script says, as Widget.Language.
	Language string
}

var uploadListTmpl = template.Must(template.New("uploadlist").Parse(
	`<div class="sticky" data-sticky-uploader data-endpoint="{{.Endpoint}}"{{with .Tus}} data-tus="{{.}}"{{end}}{{with .Direct}} data-direct="{{.}}"{{end}}{{with .Words.Lang}} lang="{{.}}"{{end}}{{with .Words.Client}} data-messages="{{.}}"{{end}} data-field="{{.Field}}">` +
		`{{with .Label}}<label for="{{$.ID}}">{{.}}</label>{{end}}` +
		`<input type="file" id="{{.ID}}" multiple{{with .Accept}} accept="{{.}}"{{end}} aria-describedby="{{if .Hint}}{{.ID}}-hint {{end}}{{.ID}}-status">` +
		`{{with .Hint}}<span class="sticky-hint" id="{{$.ID}}-hint">{{.}}</span>{{end}}` +
		`<ul class="sticky-list" hidden></ul>` +
		`<template class="sticky-item-template"><li class="sticky-item">` +
		`{{if .Post}}<input type="hidden" name="_{{.Field}}" value="">{{end}}` +
		`<span class="sticky-name"></span> <span class="sticky-size"></span> ` +
		`<progress class="sticky-progress" max="100" value="0" hidden></progress>` +
		`<button type="button" class="sticky-cancel" hidden>{{.Words.Cancel}}</button>` +
		`<button type="button" class="sticky-retry" hidden>{{.Words.Retry}}</button>` +
		`<button type="button" class="sticky-remove" hidden>{{.Words.Remove}}</button>` +
		`<span class="sticky-error" role="alert"></span></li></template>` +
		`<span class="sticky-status" id="{{.ID}}-status" role="status" aria-live="polite"></span>` +
		`</div>`))

// UploadList renders a standalone multi-file uploader (see UploadList).
// Without the client script it does nothing: it has no form to fall back on.
func (u *Uploader) UploadList(l UploadList) template.HTML {
	data := struct {
		UploadList
		Tus, Direct string
		Words       widgetWords
	}{UploadList: l, Words: u.widgetWords(l.Language)}
	data.Tus, data.Direct = u.defaults(l.Field, &data.ID, &data.Accept, &data.Endpoint)
	var b bytes.Buffer
	if err := uploadListTmpl.Execute(&b, data); err != nil {
		panic("sticky: upload list template: " + err.Error())
	}
	return template.HTML(b.String())
}

// defaults fills what a field's markup leaves empty: its id (the field's
// name), its accept attribute (the field's rules) and its endpoint (this
// Uploader's). It returns the resumable endpoint and, when the field's
// files may go straight to the bucket (Config.Direct, Rules.Direct), the
// direct-upload routes, to go with an endpoint of this Uploader's; "" for
// a custom one.
func (u *Uploader) defaults(field string, id, accept, endpoint *string) (tus, direct string) {
	if *id == "" {
		*id = field
	}
	if *accept == "" {
		*accept = acceptAttr(u.rules(field).Accept)
	}
	if *endpoint == "" {
		*endpoint = u.path
		tus = u.TusURL()
		if u.directFor(field) {
			direct = u.path + directPrefix
		}
	}
	return tus, direct
}
