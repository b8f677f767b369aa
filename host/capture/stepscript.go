package capture

import _ "embed"

// stepScript is injected into every frame of the recorded tab and reports
// the user's actions through the binding [StepBinding].
//
//go:embed stepscript.js
var stepScript string

// StepBinding is the name of the Runtime binding the step script calls with
// one JSON step per user action; the recorder writes each as a
// `Reprokit.step` record.
const StepBinding = "__reprokitStep"

// MaskCSS is the screenshot mask: the style that paints password inputs
// and elements marked data-private (and everything inside them) black while
// a screenshot or screencast frame is taken. host/replay masks its
// screenshots with the same style so that they compare with the recorded
// ones; [MaskExpression] turns it on and off in a page.
const MaskCSS = `input[type=password],[data-private],[data-private] *{filter:brightness(0)!important;background:#000!important;color:#000!important;-webkit-text-fill-color:#000!important;border-color:#000!important;text-shadow:none!important}`

// MaskExpression returns the JavaScript expression that adds (on) or
// removes [MaskCSS] in the document and in its same-origin frames, and
// evaluates to true. Frames of other origins run in their own targets and
// need their own evaluation.
func MaskExpression(on bool) string {
	flag := "false"
	if on {
		flag = "true"
	}
	return `(function(on){var css=` + "`" + MaskCSS + "`" + `;
function apply(doc){try{var s=doc.getElementById('__reprokit_mask');
if(on){if(!s){s=doc.createElement('style');s.id='__reprokit_mask';s.textContent=css;(doc.head||doc.documentElement).appendChild(s);}}
else if(s){s.remove();}
var fs=doc.querySelectorAll('iframe,frame');for(var i=0;i<fs.length;i++){try{if(fs[i].contentDocument)apply(fs[i].contentDocument);}catch(e){}}}catch(e){}}
apply(document);return true;})(` + flag + `)`
}
