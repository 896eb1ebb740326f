package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"html/template"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/stickyuploads/sticky"
	"github.com/stickyuploads/sticky/thumbnail"
)

const (
	// galleryField is the field of the gallery's uploader.
	galleryField = "gallery"
	// galleryPath is where the gallery's own uploader is mounted. It has
	// an uploader of its own because sticky's processors run for every
	// field of an uploader and cannot tell which field a file is for: this
	// way only gallery pictures get thumbnails, documents none.
	galleryPath = "/uploads/gallery/"
	// thumbName is the thumbnail's reply key and file stem.
	thumbName = "thumbnail"
	thumbSize = 320
)

// galleryProcessors make each gallery picture's thumbnail as it completes.
func galleryProcessors() []sticky.Processor {
	return []sticky.Processor{
		sticky.Derive(thumbnail.Spec{Width: thumbSize, Height: thumbSize, Crop: true, Name: thumbName}),
	}
}

// picture is one row of the pictures table.
type picture struct {
	ID       int64
	Name     string
	Size     int64
	Type     string
	Created  time.Time
	key      string // the picture's key in the permanent store
	thumbKey string // its thumbnail's key; "" when none was made
	userID   int64
}

// servedName is the name the file under key is served as: the picture's
// own name, or for its thumbnail the picture's name with "-thumbnail" and
// the thumbnail's own extension ("pic.png" gives "pic-thumbnail.jpg"). The
// extension always says what the file is, so that it is served as such: a
// PNG uploaded as "x.svg" is served as "x.png".
func (p *picture) servedName(key string) string {
	stem := strings.TrimSuffix(p.Name, path.Ext(p.Name))
	if key == p.thumbKey && key != p.key {
		return stem + "-" + thumbName + path.Ext(key)
	}
	if ext := path.Ext(p.Name); mime.TypeByExtension(strings.ToLower(ext)) != "" && baseType(mime.TypeByExtension(strings.ToLower(ext))) == baseType(p.Type) {
		return p.Name
	}
	if ext := typeExt[baseType(p.Type)]; ext != "" {
		return stem + ext
	}
	return p.Name
}

// typeExt is the extension of each type the gallery takes.
var typeExt = map[string]string{"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}

// baseType is a media type without its parameters.
func baseType(t string) string {
	b, _, _ := strings.Cut(t, ";")
	return strings.TrimSpace(strings.ToLower(b))
}

func (p *picture) ThumbURL() string { return "/gallery/" + strconv.FormatInt(p.ID, 10) + "/thumb" }
func (p *picture) ImageURL() string { return "/gallery/" + strconv.FormatInt(p.ID, 10) + "/image" }

// galleryPage is the data of the gallery page.
type galleryPage struct {
	Pictures []*picture
	Uploader template.HTML
	Script   string
	MaxSize  string
}

// handleGallery shows the signed-in user's pictures and the uploader.
func (a *app) handleGallery(w http.ResponseWriter, r *http.Request, u *user) {
	rows, err := a.db.QueryContext(r.Context(), `
		SELECT id, file_name, size, content_type, created_at
		FROM pictures WHERE user_id = ? ORDER BY created_at DESC, id DESC`, u.ID)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	defer rows.Close()
	var pics []*picture
	for rows.Next() {
		var (
			p       picture
			created int64
		)
		if err := rows.Scan(&p.ID, &p.Name, &p.Size, &p.Type, &created); err != nil {
			a.serverError(w, r, err)
			return
		}
		p.Created = time.Unix(created, 0)
		pics = append(pics, &p)
	}
	if err := rows.Err(); err != nil {
		a.serverError(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, "gallery", "Gallery", u, galleryPage{
		Pictures: pics,
		Uploader: a.gallery.UploadList(sticky.UploadList{
			Field:    galleryField,
			Language: a.gallery.Language(r),
			Label:    "Add pictures",
			Hint:     "Choose or drop images (JPEG, PNG, GIF or WebP), up to " + sticky.SizeString(a.maxSize) + " each.",
		}),
		Script:  a.urls["gallery.js"],
		MaxSize: sticky.SizeString(a.maxSize),
	})
}

// savedPicture is the JSON answer for one saved picture.
type savedPicture struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Size  int64  `json:"size"`
	Thumb string `json:"thumb"`
	Image string `json:"image"`
}

type galleryReply struct {
	Pictures []savedPicture `json:"pictures"`
	Error    string         `json:"error,omitempty"`
}

// handleGallerySave saves the uploaded pictures whose references the page
// posts (_gallery) for good, each with its thumbnail, and answers JSON.
func (a *app) handleGallerySave(w http.ResponseWriter, r *http.Request, u *user) {
	ctx := r.Context()
	form, err := a.gallery.ReadForm(w, r)
	if err != nil {
		writeJSON(w, formStatus(err), galleryReply{Error: err.Error()})
		return
	}
	files, err := form.Files(galleryField)
	if errors.Is(err, sticky.ErrNoFile) {
		writeJSON(w, http.StatusBadRequest, galleryReply{Error: "No picture was sent."})
		return
	}
	reply := galleryReply{Pictures: []savedPicture{}}
	if err != nil {
		reply.Error = err.Error()
	}
	for _, f := range files {
		p, err := a.savePicture(ctx, u, f)
		if err != nil {
			a.log.Error("gallery: saving", "user", u.Name, "name", f.Name, "err", err)
			reply.Error = "A picture could not be saved. Please try again."
			continue
		}
		a.log.Info("picture saved", "user", u.Name, "name", p.Name, "size", p.Size)
		reply.Pictures = append(reply.Pictures, savedPicture{ID: p.ID, Name: p.Name, Size: p.Size, Thumb: p.ThumbURL(), Image: p.ImageURL()})
	}
	status := http.StatusOK
	if len(reply.Pictures) == 0 {
		status = http.StatusUnprocessableEntity
		if err != nil {
			status = formStatus(err)
		}
	}
	writeJSON(w, status, reply)
}

// savePicture saves f and its thumbnail to the permanent store and records
// them. If the row cannot be written, the saved files are removed again.
func (a *app) savePicture(ctx context.Context, u *user, f *sticky.File) (*picture, error) {
	var thumbFile string
	derived, err := f.Derived(ctx) // the thumbnail, made as the picture arrived
	if err != nil {
		return nil, err
	}
	for _, d := range derived {
		if d.Name == thumbName+".jpg" || d.Name == thumbName+".png" {
			thumbFile = d.Name
		}
	}
	key, err := a.store.docs.Save(ctx, f, nil) // saves the thumbnail beside it
	if err != nil {
		return nil, err
	}
	p := &picture{Name: sticky.CleanName(f.Name), Size: f.Size, Type: f.Type, key: key, userID: u.ID, Created: time.Now()}
	if thumbFile != "" {
		p.thumbKey = sticky.DerivedKey(key, thumbFile)
	}
	res, err := a.db.ExecContext(ctx, `
		INSERT INTO pictures (user_id, file_name, file_key, thumb_key, size, content_type, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.ID, p.Name, p.key, p.thumbKey, p.Size, p.Type, p.Created.Unix())
	if err == nil {
		p.ID, err = res.LastInsertId()
	}
	if err != nil {
		dctx := context.WithoutCancel(ctx)
		for _, k := range []string{p.key, p.thumbKey} {
			if k != "" {
				if derr := a.store.docs.Delete(dctx, k); derr != nil {
					a.log.Error("removing the file of an unsaved picture", "key", k, "err", derr)
				}
			}
		}
		return nil, err
	}
	return p, nil
}

// handlePicture sends a picture or its thumbnail to its owner; everyone
// else gets 404, as for a picture that does not exist.
func (a *app) handlePicture(thumb bool) func(http.ResponseWriter, *http.Request, *user) {
	return func(w http.ResponseWriter, r *http.Request, _ *user) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		p := &picture{ID: id}
		err = a.db.QueryRowContext(r.Context(), `
			SELECT user_id, file_name, file_key, thumb_key, content_type FROM pictures WHERE id = ?`,
			id).Scan(&p.userID, &p.Name, &p.key, &p.thumbKey, &p.Type)
		if errors.Is(err, sql.ErrNoRows) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		key := p.key
		if thumb && p.thumbKey != "" {
			key = p.thumbKey
		}
		a.pictures.Serve(w, r, key, p)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
