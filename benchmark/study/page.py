"""The rater page: plain HTML, CSS and JavaScript served by the app (nothing from a CDN).

It knows only item ids and image URLs from /api/next, never a method name. Keys: Left/A and
Right/L choose a side, Down/E/Space says "equal" (pairs); 1-5 give a score (rating); I holds the
input up for a look. Every vote is sent to /api/vote and the next item is asked for only after
the server acknowledged it, so a reload or a restart resumes at the first unanswered item.
"""

from __future__ import annotations

STYLE = """
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0;background:#1d1f23;color:#e8e8e8}
header{display:flex;align-items:center;gap:1em;padding:.6em 1em;background:#111}
header h1{font-size:16px;margin:0;font-weight:600}
#progress{flex:1;height:10px;background:#333;border-radius:5px;overflow:hidden}
#bar{height:100%;width:0;background:#4caf50}
#count{font-size:13px;min-width:7em;text-align:right}
main{padding:1em;text-align:center}
.pair{display:flex;gap:1em;justify-content:center;align-items:flex-start}
figure{margin:0;flex:1;max-width:48vw}
figure img{width:100%;max-height:70vh;object-fit:contain;background:#000;border:3px solid #333;
 cursor:pointer}
figure img:hover{border-color:#777}
figcaption{font-size:13px;color:#aaa;margin-top:.3em}
.buttons{margin:1em 0;display:flex;gap:.6em;justify-content:center;flex-wrap:wrap}
button{font-size:15px;padding:.5em 1.1em;border-radius:6px;border:1px solid #555;background:#2c2f35;
 color:#eee;cursor:pointer}
button:hover{background:#3a3e46}
kbd{font-size:12px;background:#444;border-radius:3px;padding:0 .35em;margin-left:.3em}
#inputbox{display:none;position:fixed;inset:0;background:rgba(0,0,0,.88);z-index:5;
 flex-direction:column;align-items:center;justify-content:center;cursor:pointer}
#inputbox img{height:78vh;width:auto;max-width:92vw;object-fit:contain;border:3px solid #a67c00}
#inputbox p{color:#f0c040;font-size:14px}
#status{min-height:1.4em;font-size:13px;color:#f0b400}
.help{font-size:12px;color:#999;max-width:60em;margin:0 auto}
#done{display:none;font-size:20px;margin-top:3em}
"""

PAIRS_BODY = """
<p class="help">Which image shows the scene better for clinical viewing: clearer, with natural
colour and no artefacts? Click an image or press a key. Press <kbd>I</kbd> to see the unprocessed
input.</p>
<div class="pair">
 <figure><img id="left" alt="left image"><figcaption>left <kbd>&larr;</kbd><kbd>A</kbd></figcaption></figure>
 <figure><img id="right" alt="right image"><figcaption>right <kbd>&rarr;</kbd><kbd>L</kbd></figcaption></figure>
</div>
<div class="buttons">
 <button data-choice="left">Left is better<kbd>&larr;</kbd></button>
 <button data-choice="equal">About equal<kbd>&darr;</kbd><kbd>E</kbd></button>
 <button data-choice="right">Right is better<kbd>&rarr;</kbd></button>
 <button id="toggle">Show input<kbd>I</kbd></button>
</div>
"""

RATING_BODY = """
<p class="help">Rate the quality of this image for clinical viewing, from 1 (bad) to 5
(excellent). Click a button or press 1-5. Press <kbd>I</kbd> to see the unprocessed input.</p>
<div class="pair"><figure><img id="image" alt="image to rate"></figure></div>
<div class="buttons">
 <button data-score="1">1 bad<kbd>1</kbd></button><button data-score="2">2 poor<kbd>2</kbd></button>
 <button data-score="3">3 fair<kbd>3</kbd></button><button data-score="4">4 good<kbd>4</kbd></button>
 <button data-score="5">5 excellent<kbd>5</kbd></button>
 <button id="toggle">Show input<kbd>I</kbd></button>
</div>
"""

SCRIPT = """
(function(){
var token=decodeURIComponent(location.pathname.split('/').pop());
var item=null,shownAt=0,busy=false;
var $=function(id){return document.getElementById(id);};
function say(text){$('status').textContent=text||'';}
function progress(done,total){
  $('bar').style.width=(total?100*done/total:0)+'%';$('count').textContent=done+' / '+total;}
function show(data){
  progress(data.answered,data.total);
  if(data.done){item=null;$('task').style.display='none';$('done').style.display='block';return;}
  item=data.item;
  ['left','right','image'].forEach(function(k){if($(k)&&data[k]){$(k).src=data[k];}});
  $('inputimg').src=data.input;$('inputbox').style.display='none';
  shownAt=performance.now();busy=false;say('');}
function next(){
  fetch('/api/next?token='+encodeURIComponent(token),{cache:'no-store'})
   .then(function(r){if(!r.ok){throw new Error('server said '+r.status);}return r.json();})
   .then(show).catch(function(e){say('Cannot reach the study server ('+e.message+'); retrying...');
     setTimeout(next,2000);});}
function send(answer){
  if(item===null||busy){return;}
  busy=true;answer.token=token;answer.item=item;
  answer.seconds=Math.round(performance.now()-shownAt)/1000;
  say('saving...');
  fetch('/api/vote',{method:'POST',headers:{'Content-Type':'application/json'},
    body:JSON.stringify(answer)})
   .then(function(r){if(!r.ok&&r.status!==409){throw new Error('server said '+r.status);}next();})
   .catch(function(e){busy=false;say('Vote not saved ('+e.message+'): please press again.');});}
function toggle(){var box=$('inputbox');box.style.display=box.style.display==='flex'?'none':'flex';}
document.querySelectorAll('[data-choice]').forEach(function(b){
  b.onclick=function(){send({choice:b.dataset.choice});};});
document.querySelectorAll('[data-score]').forEach(function(b){
  b.onclick=function(){send({score:parseInt(b.dataset.score,10)});};});
if($('left')){$('left').onclick=function(){send({choice:'left'});};
  $('right').onclick=function(){send({choice:'right'});};}
$('toggle').onclick=toggle;$('inputbox').onclick=toggle;
document.addEventListener('keydown',function(e){
  if(e.altKey||e.ctrlKey||e.metaKey){return;}
  var k=e.key,pairs=!!$('left');
  if(k==='i'||k==='I'){toggle();return;}
  if(pairs){
    if(k==='ArrowLeft'||k==='a'||k==='A'){send({choice:'left'});}
    else if(k==='ArrowRight'||k==='l'||k==='L'){send({choice:'right'});}
    else if(k==='ArrowDown'||k==='e'||k==='E'||k===' '){send({choice:'equal'});}
    else{return;}
  }else if(k>='1'&&k<='5'){send({score:parseInt(k,10)});}
  else{return;}
  e.preventDefault();});
next();
})();
"""


def rater_page(design: str) -> str:
    """The whole page for a rater of a `pairs` or `rating` study."""
    body = PAIRS_BODY if design == "pairs" else RATING_BODY
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        "<meta name='referrer' content='no-referrer'>"
        f"<title>Reader study</title><style>{STYLE}</style></head><body>"
        "<header><h1>Reader study</h1><div id='progress'><div id='bar'></div></div>"
        "<span id='count'></span></header><main><div id='task'>"
        f"{body}<div id='inputbox'><img id='inputimg' alt='unprocessed input'>"
        "<p>The unprocessed input. Press I or click to close.</p></div>"
        "<div id='status'></div></div>"
        "<div id='done'>All done: thank you. You can close this page.</div>"
        f"</main><script>{SCRIPT}</script></body></html>"
    )
